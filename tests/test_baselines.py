"""Each task's trivial baseline, and the model scores that need probabilities."""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from conftest import toy_predictor

from s2s_hub.data.pairs import Pair
from s2s_hub.evaluation.run import Evaluation, evaluate
from s2s_hub.hub.card import build_card
from s2s_hub.predictor import Predictor
from s2s_hub.registry import get_task
from s2s_hub.scoring.baselines import (
    TranslationMemory,
    best_lead,
    lead_words,
    unigram_perplexity,
)
from s2s_hub.scoring.targets import TargetScore
from s2s_hub.search.config import DecodeConfig
from s2s_hub.tokenizer import Tokenizer

TRAIN = ["the cat sat", "the dog ran", "a cat ran"]
MEMORY = "translation memory (closest training source)"


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


def write_splits(folder: Path, **splits: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        (folder / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    return folder


def test_translation_baseline_copies_the_source(tmp_path, tokenizer):
    rows = ["GNU Emacs editor\tGNU-Emacs-Editor", "tool for GNOME\tWerkzeug für GNOME"]
    write_splits(tmp_path, train=rows, dev=rows, test=rows)
    task = get_task("translation", data_dir=str(tmp_path))
    copy, _ = task.baselines(task.pairs("test"), tokenizer)
    sources = [r.split("\t")[0] for r in rows]
    targets = [r.split("\t")[1] for r in rows]
    assert copy.name == "copy source"
    assert copy.scores == task.metrics(sources, targets, sources)
    assert 0 < copy.scores["chrf"] < 100


def test_translation_memory_finds_the_closest_training_source():
    memory = TranslationMemory(
        ["Close the window", "Open the file", "Open the file", "abce", "abcf"],
        ["Fenster schließen", "Datei öffnen", "Datei aufmachen", "E", "F"],
    )
    # "Open a file" / "Open the file": 10 characters in common of 11 + 13
    assert memory.match("Open a file") == (1, pytest.approx(100 * 2 * 10 / 24))
    assert memory.match("Close window")[0] == 0
    # an exact source gives its first target; a tie goes to the first pair
    queries = ["Open the file", "abcd", "Close window", "abcd"]
    assert memory.translate(queries) == ["Datei öffnen", "E", "Fenster schließen", "E"]
    assert memory.match("abcd") == (3, 75.0)
    # many queries at once pick what one at a time picks
    many = [f"Open {'the ' * (i % 3)}file {i}" for i in range(40)] + ["abcf x"]
    assert memory.translate(many) == [memory.targets[memory.match(q)[0]] for q in many]
    with pytest.raises(ValueError):
        TranslationMemory([], [])


def test_translation_memory_is_scored_on_the_task_s_own_training_data(
    tmp_path, tokenizer
):
    train = ["Open the file\tDatei öffnen", "Close the window\tFenster schließen"]
    test = ["Open a file\tEine Datei öffnen", "Close all windows\tAlle schließen"]
    own = get_task(
        "translation", data_dir=str(write_splits(tmp_path / "own", train=train))
    )
    # the scored folder holds a test split only: the memory still has its pairs
    scored = get_task(
        "translation", data_dir=str(write_splits(tmp_path / "other", test=test))
    )
    pairs = scored.pairs("test")
    copy, memory = own.baselines(pairs, tokenizer)
    assert memory.name.startswith("translation memory") and not memory.skipped
    recalled = ["Datei öffnen", "Fenster schließen"]
    references = [p.target for p in pairs]
    sources = [p.source for p in pairs]
    assert memory.scores == scored.metrics(recalled, references, sources)
    # where the task itself has no training split, the memory says it is skipped
    copy, memory = scored.baselines(pairs, tokenizer)
    assert copy.scores and not memory.scores
    assert "no train.tsv" in memory.skipped


def test_summarization_baseline_is_lead_k_with_k_from_dev(tmp_path, tokenizer):
    dev = ["w1 w2 w3 w4 w5 w6\tw1 w2", "v1 v2 v3 v4 v5\tv1 v2"]
    test = ["u1 u2 u3 u4\tu1 u2", "t1 t2 t3\tt1 t9"]
    write_splits(tmp_path, train=dev, dev=dev, test=test)
    task = get_task("summarization", data_dir=str(tmp_path))
    [baseline] = task.baselines(task.pairs("test"), tokenizer)
    assert baseline.name.startswith("lead-2 words")
    # lead-2 on test: "u1 u2" is exact, "t1 t2" shares one of two words
    assert baseline.scores["rouge1"] == pytest.approx(75.0)
    only_test = get_task(
        "summarization", data_dir=str(write_splits(tmp_path / "t", test=test))
    )
    [skipped] = only_test.baselines(only_test.pairs("test"), tokenizer)
    assert skipped.scores == {} and "no dev.tsv" in skipped.skipped


class OrderedPredictor(Predictor):
    """A predictor that notes when it decodes, beside the evaluation's log."""

    def __init__(self, predictor: Predictor, task, events: list[str]) -> None:
        super().__init__(predictor.model, predictor.tokenizer, task)
        self.events = events

    def translate(self, sources, config=None):
        self.events.append("decode")
        return super().translate(sources, config)


def test_evaluate_falls_back_to_the_model_s_own_data_or_says_first(tmp_path):
    toy = toy_predictor(vocab_size=24, byte_fallback=False, size=8)
    train = ["Open the file\tDatei öffnen", "Close it\tSchließen"]
    test = ["Open a file\tEine Datei öffnen"]
    own = get_task(
        "translation", data_dir=str(write_splits(tmp_path / "own", train=train))
    )
    folder = write_splits(tmp_path / "scored", test=test)
    task = replace(own, data_dir=str(folder))
    events: list[str] = []
    config = DecodeConfig(method="greedy", max_length=3)
    result = evaluate(
        OrderedPredictor(toy, task, events),
        "test",
        config,
        baseline_task=own,
        log=events.append,
    )
    assert [b["name"] for b in result.baselines] == ["copy source", MEMORY]
    assert result.baselines[1]["scores"]["chrf"] > result.baselines[0]["scores"]["chrf"]
    assert result.baseline["name"] == "copy source"
    assert events == ["decode"]
    # without the model's own data, the skip is said before anything decodes
    events.clear()
    result = evaluate(
        OrderedPredictor(toy, task, events), "test", config, log=events.append
    )
    assert events[0].startswith(f"baseline {MEMORY!r} skipped") and events[1:] == [
        "decode"
    ]
    assert [b["name"] for b in result.baselines] == ["copy source", MEMORY]
    assert "skipped" in result.baselines[1] and result.baseline["name"] == "copy source"


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
    [baseline] = task.baselines(task.pairs("test"), tokenizer)
    scores = baseline.scores
    assert scores["hits@1_of_20"] == 5.0
    targets = ["the cat sat"] * 3
    assert scores["ppl"] == pytest.approx(
        unigram_perplexity(tokenizer, targets, targets, task.max_target_tokens)
    )


def test_the_card_shows_every_scored_baseline_beside_the_model():
    result = Evaluation(
        task="reverse",
        split="test",
        scores={"bleu": 30.0, "chrf": 50.0},
        decoding=asdict(DecodeConfig()),
        examples=2,
        seconds=0.1,
        baseline={"name": "copy source", "scores": {"bleu": 8.7}},
        baselines=[
            {"name": "copy source", "scores": {"bleu": 8.7}},
            {"name": MEMORY, "scores": {"bleu": 12.5, "chrf": 31.0}},
            {"name": "lead-k", "scores": {}, "skipped": "no dev.tsv"},
        ],
    )
    toy = toy_predictor(vocab_size=24, byte_fallback=False, size=8)
    text = build_card(toy, "user/model", result).text
    header = f"| metric | this model | baseline: copy source | baseline: {MEMORY} |"
    assert header in text
    assert "| test bleu | 30.0 | 8.7 | 12.5 |" in text
    assert "| test chrf | 50.0 | — | 31.0 |" in text
    assert "lead-k" not in text


def test_evaluate_scores_each_part_beside_its_baselines_and_the_card_shows_them(
    tmp_path,
):
    toy = toy_predictor(vocab_size=24, byte_fallback=False, size=8)
    train = ["Open the file\tDatei öffnen", "Close it\tSchließen"]
    test = ["Open a file\tEine Datei öffnen", "Close it now\tJetzt schließen"]
    folder = write_splits(tmp_path, train=train, test=test + ["Save it\tSichern"])

    class TwoParts(type(get_task("translation"))):
        def parts(self, split):
            pairs = self.pairs(split)
            return {"first two": pairs[:2], "last": pairs[2:]}

    task = TwoParts(data_dir=str(folder))
    config = DecodeConfig(method="greedy", max_length=3)
    predictor = Predictor(toy.model, toy.tokenizer, task)
    result = evaluate(predictor, "test", config)
    first, last = result.parts["first two"], result.parts["last"]
    assert (first["examples"], last["examples"]) == (2, 1)
    pairs = task.pairs("test")
    sources, targets = [p.source for p in pairs[:2]], [p.target for p in pairs[:2]]
    expected = task.metrics(result.hypotheses[:2], targets, sources)
    rounded = pytest.approx({**expected, "ppl": first["scores"]["ppl"]}, abs=1e-4)
    assert first["scores"] == rounded
    assert first["scores"]["ppl"] > 1 and first["scores"] != last["scores"]
    copy, memory = first["baselines"]
    copied = task.metrics(sources, targets, sources)
    assert copy["scores"] == pytest.approx(copied, abs=1e-4)
    assert memory["name"] == MEMORY and memory["scores"] != copy["scores"]
    # a part the limit leaves undecoded is not reported
    assert list(evaluate(predictor, "test", config, limit=2).parts) == ["first two"]
    card = str(build_card(predictor, "org/parts", result))
    assert f"| last | 1 | chrf | {last['scores']['chrf']} |" in card
    assert f"| {copy['scores']['chrf']} | {memory['scores']['chrf']} |" in card


def test_evaluate_command_scores_the_model_alone_without_baselines(tmp_path):
    from s2s_hub.cli.main import main
    from s2s_hub.hub import export
    from s2s_hub.hub.export_options import ExportOptions

    toy = toy_predictor(vocab_size=24, byte_fallback=False, size=8)
    rows = ["Open the file\tDatei öffnen", "Close it\tSchließen"]
    data = write_splits(tmp_path / "data", train=rows, test=rows)
    task = get_task("translation", data_dir=str(data))
    predictor = Predictor(toy.model, toy.tokenizer, task)
    folder = export(predictor, tmp_path / "model", options=ExportOptions("org/toy"))
    greedy = ["--decode.method", "greedy", "--decode.max_length", "3"]
    results = []
    for extra in ([], ["--baselines", "false"]):
        out = tmp_path / f"eval{len(extra)}.json"
        assert (
            main(["evaluate", str(folder), "--output", str(out), *greedy, *extra]) == 0
        )
        results.append(json.loads(out.read_text()))
    with_baselines, alone = results
    assert [b["name"] for b in with_baselines["baselines"]] == ["copy source", MEMORY]
    assert alone["baselines"] == [] and alone["baseline"] is None
    assert alone["scores"] == with_baselines["scores"]
