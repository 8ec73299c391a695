"""Each task's trivial baseline, and the model scores that need probabilities."""

from __future__ import annotations

import math
import random

import pytest

from s2s_hub.baselines import best_lead, lead_words, unigram_perplexity
from s2s_hub.data.pairs import Pair
from s2s_hub.predictor import TargetScore
from s2s_hub.registry import get_task
from s2s_hub.tokenizer import Tokenizer

TRAIN = ["the cat sat", "the dog ran", "a cat ran"]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer.train(TRAIN * 5, vocab_size=24, byte_fallback=False)


def test_lead_k_takes_the_first_words_and_k_is_chosen_by_the_score():
    assert lead_words("one two  three four", 2) == "one two"
    sources = ["a b c d e", "f g h i j"]

    # a score that peaks at three words: best_lead must find k = 3
    def score(hyps, refs):
        return -sum(abs(len(h.split()) - 3) for h in hyps)

    assert best_lead(sources, ["x", "y"], score, candidates=range(1, 6)) == 3


def test_unigram_perplexity_counts_tokens_and_eos_as_the_model_does(tokenizer):
    held_out = ["the cat ran"]
    ids = tokenizer.encode(held_out[0]) + [tokenizer.eos_id]
    counts: dict[int, int] = {}
    for text in TRAIN:
        for token in tokenizer.encode(text) + [tokenizer.eos_id]:
            counts[token] = counts.get(token, 0) + 1
    total = sum(counts.values()) + tokenizer.vocab_size
    expected = math.exp(
        -sum(math.log((counts.get(t, 0) + 1) / total) for t in ids) / len(ids)
    )
    assert unigram_perplexity(tokenizer, TRAIN, held_out, 64) == pytest.approx(expected)
    # cut to one token, the text is scored as that token and EOS
    cut = unigram_perplexity(tokenizer, TRAIN, held_out, 1)
    assert cut != pytest.approx(expected)


def test_translation_baseline_is_the_source_copied(tmp_path, tokenizer):
    rows = ["GNU Emacs editor\tGNU-Emacs-Editor", "tool for GNOME\tWerkzeug für GNOME"]
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    task = get_task("translation", data_dir=str(tmp_path))
    baseline = task.baseline("test", tokenizer)
    sources = [r.split("\t")[0] for r in rows]
    targets = [r.split("\t")[1] for r in rows]
    assert baseline.name == "copy source"
    assert baseline.scores == task.metrics(sources, targets, sources)
    assert 0 < baseline.scores["chrf"] < 100


def test_summarization_baseline_is_lead_k_with_k_from_dev(tmp_path, tokenizer):
    dev = ["w1 w2 w3 w4 w5 w6\tw1 w2", "v1 v2 v3 v4 v5\tv1 v2"]
    test = ["u1 u2 u3 u4\tu1 u2", "t1 t2 t3\tt1 t9"]
    for split, rows in (("train", dev), ("dev", dev), ("test", test)):
        (tmp_path / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    baseline = get_task("summarization", data_dir=str(tmp_path)).baseline(
        "test", tokenizer
    )
    assert baseline.name.startswith("lead-2 words")
    # lead-2 on test: "u1 u2" is exact, "t1 t2" shares one of two words
    assert baseline.scores["rouge1"] == pytest.approx(75.0)


def chat_pairs(n: int) -> list[Pair]:
    return [Pair(f"context {i} <sep> more {i}", f"reply number {i}") for i in range(n)]


def test_hits_at_1_counts_the_true_reply_ranked_first():
    task = get_task("dialogue")
    pairs = chat_pairs(30)

    def knows_the_answer(candidates: list[Pair]) -> list[TargetScore]:
        return [
            TargetScore(-1.0 if c.source.split()[1] == c.target.split()[2] else -9.0, 1)
            for c in candidates
        ]

    def guesses(candidates: list[Pair]) -> list[TargetScore]:
        rng = random.Random(0)
        return [TargetScore(rng.random(), 1) for _ in candidates]

    assert task.model_metrics(knows_the_answer, pairs) == {"hits@1_of_20": 100.0}
    assert task.model_metrics(guesses, pairs)["hits@1_of_20"] < 30.0


def test_distractors_come_from_other_dialogues():
    get_task("dialogue")  # imports the built-in task files
    from s2s_hub_builtin_tasks.dialogue import distractors

    pairs = chat_pairs(25)
    # pair 1 quotes pair 0's reply: the same dialogue, never a distractor of 0 or 1
    pairs[1] = Pair(f"{pairs[0].target} <sep> and then", "reply number 1")
    for index in (0, 1):
        chosen = distractors(pairs, index)
        assert len(chosen) == 19 and len(set(chosen)) == 19
        assert not {0, 1} & set(chosen)
    assert distractors(pairs, 3) == distractors(pairs, 3)


def test_dialogue_baseline_is_chance_and_a_unigram_model(tmp_path, tokenizer):
    rows = [f"hi {i}\tthe cat sat" for i in range(3)]
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    task = get_task("dialogue", data_dir=str(tmp_path))
    scores = task.baseline("test", tokenizer).scores
    assert scores["hits@1_of_20"] == 5.0
    targets = ["the cat sat"] * 3
    assert scores["ppl"] == pytest.approx(
        unigram_perplexity(tokenizer, targets, targets, task.max_target_tokens)
    )
