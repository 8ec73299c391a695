"""Tests of s2s_hub.search with a scripted model, fairseq style.

The model's next-token distribution is a hand-written table keyed by the tokens
generated so far, so the best sequences are known exactly and no test depends on
random weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pytest
import torch
from torch import Tensor

from s2s_hub.search import (
    METHODS,
    SEARCHES,
    DecodeConfig,
    Hypothesis,
    decode,
    length_penalty,
)
from s2s_hub.search.candidates import top_candidates
from s2s_hub.search.constraints import ban_repeated_ngrams, may_forbid
from s2s_hub.search.sampling import keep_top_p

torch.set_num_threads(1)

PAD, BOS, EOS, A, B, C, D = range(7)
VOCAB = 7


@dataclass(frozen=True)
class Script:
    """Next-token weights for each prefix of generated tokens; ``default`` otherwise."""

    rules: dict[tuple[int, ...], dict[int, float]]
    default: dict[int, float]

    def log_probs(self, prefix: tuple[int, ...]) -> Tensor:
        """Next-token log-probabilities after ``prefix``, shape (vocab,)."""
        # a token the table leaves out gets a small weight of its own, so that no
        # two continuations tie; pad and bos are never generated
        weights = torch.tensor([0.0, 0.0] + [0.01 / t for t in range(EOS, VOCAB)])
        for token, weight in self.rules.get(prefix, self.default).items():
            weights[token] = weight
        return torch.log_softmax(weights.log(), dim=-1)

    def teacher_forced(self, tokens: list[int], ended: bool) -> float:
        """The summed log-probability of ``tokens`` (then eos if ``ended``)."""
        generated = tokens + [EOS] if ended else tokens
        return sum(
            self.log_probs(tuple(generated[:i]))[token].item()
            for i, token in enumerate(generated)
        )


# Greedy takes A (0.59) then eos (0.42), 0.25 in all; B then eos is likelier (0.39).
CLASSIC = Script(
    rules={(): {A: 0.6, B: 0.4}, (A,): {EOS: 0.4, A: 0.3, B: 0.25}, (B,): {EOS: 0.9}},
    default={EOS: 0.9},
)
# [A] (log-prob -0.67) beats [B, C] (-0.79) unless long outputs are favoured.
LENGTH = Script(
    rules={(): {A: 0.5, B: 0.45}, (A,): {EOS: 0.6}, (B,): {C: 0.9}, (B, C): {EOS: 0.6}},
    default={EOS: 0.9},
)
# Rarely ends, prefers A, then B.
CHATTY = Script(rules={}, default={A: 0.5, B: 0.3, C: 0.1, EOS: 0.05})
SCRIPTS = (CLASSIC, LENGTH, CHATTY)


@dataclass
class ScriptedState:
    """Per row: which script it follows, its source length, and the tokens fed;
    ``group`` consecutive rows belong to one sentence."""

    scripts: Tensor  # rows
    src_lengths: Tensor  # rows
    fed: Tensor  # rows x steps
    src_len: int
    group: int = 1

    def _rows(self, index: Tensor, group: int) -> ScriptedState:
        return ScriptedState(
            self.scripts[index],
            self.src_lengths[index],
            self.fed[index],
            self.src_len,
            group,
        )

    def reorder(self, index: Tensor) -> ScriptedState:
        # rows move only within their sentence
        moved = index.view(-1, self.group) // self.group
        assert torch.equal(moved, moved[:, :1].expand_as(moved))
        assert torch.equal(moved[:, 0], torch.arange(len(moved)))
        return self._rows(index, self.group)

    def expand(self, count: int) -> ScriptedState:
        rows = torch.arange(len(self.scripts)).repeat_interleave(count)
        return self._rows(rows, self.group * count)

    def keep(self, rows: Tensor, sentences: Tensor) -> ScriptedState:
        # each kept sentence's rows together, as many as it had
        moved = rows.view(-1, self.group) // self.group
        assert torch.equal(moved, sentences.unsqueeze(1).expand_as(moved))
        return self._rows(rows, self.group)


class ScriptedModel:
    """Follows ``Decodable``; a source's first token names the script it follows.

    The state keeps every token fed, so a search that forgets to reorder the state
    reads the wrong table. Attention peaks on the source position of the step and
    is zero on padding.
    """

    pad_id, bos_id, eos_id = PAD, BOS, EOS

    def encode(self, src: Tensor, src_lengths: Tensor) -> ScriptedState:
        fed = src.new_empty((src.size(0), 0))  # rows x 0
        return ScriptedState(src[:, 0], src_lengths, fed, src.size(1))

    def step(
        self, prev_tokens: Tensor, state: ScriptedState
    ) -> tuple[Tensor, Tensor, ScriptedState]:
        fed = torch.cat([state.fed, prev_tokens.unsqueeze(1)], dim=1)  # rows x steps
        assert (fed[:, 0] == BOS).all()
        logits = torch.stack(
            [
                SCRIPTS[script].log_probs(tuple(row[1:]))
                for script, row in zip(
                    state.scripts.tolist(), fed.tolist(), strict=True
                )
            ]
        )  # rows x vocab
        positions = torch.arange(state.src_len)  # src_len
        distance = (positions - (fed.size(1) - 1)).abs().float()  # src_len
        padding = positions >= state.src_lengths.unsqueeze(1)  # rows x src_len
        scores = (-distance).expand(len(fed), -1).masked_fill(padding, -math.inf)
        attention = torch.softmax(scores, dim=-1)  # rows x src_len
        new_state = replace(state, fed=fed)
        return logits, attention, new_state


def batch(*sentences: tuple[Script, int]) -> tuple[Tensor, Tensor]:
    """Sources for (script, source length) pairs, padded: (batch, S), (batch,)."""
    lengths = torch.tensor([length for _, length in sentences])  # batch
    src = torch.full((len(sentences), int(lengths.max())), PAD)  # batch x S
    for row, (script, length) in enumerate(sentences):
        src[row, :length] = A
        src[row, 0] = SCRIPTS.index(script)
    return src, lengths


def run(*sentences: tuple[Script, int], **settings) -> list[list[Hypothesis]]:
    src, lengths = batch(*sentences)
    return decode(ScriptedModel(), src, lengths, DecodeConfig(**settings))


def tokens(hypotheses: list[Hypothesis]) -> list[list[int]]:
    return [h.tokens for h in hypotheses]


def ended(hypothesis: Hypothesis, max_length: int) -> bool:
    return len(hypothesis.tokens) < max_length


ALL_METHODS = [
    {"method": "greedy"},
    {"method": "beam", "beam_size": 3, "n_best": 3},
    {"method": "sample", "n_best": 4, "seed": 0},
]
EVERY_SCRIPT = ((CLASSIC, 2), (LENGTH, 5), (CHATTY, 3))


def test_greedy_follows_argmax():
    [[best]] = run((CLASSIC, 2), method="greedy")
    assert best.tokens == [A]
    assert best.log_prob == pytest.approx(CLASSIC.teacher_forced([A], ended=True))
    assert best.probability == pytest.approx(math.exp(best.log_prob))


def test_beam_size_one_equals_greedy():
    greedy = run(*EVERY_SCRIPT, method="greedy", max_length=6)
    beam = run(*EVERY_SCRIPT, method="beam", beam_size=1, max_length=6)
    assert [tokens(h) for h in beam] == [tokens(h) for h in greedy]
    for [b], [g] in zip(beam, greedy, strict=True):
        assert b.log_prob == pytest.approx(g.log_prob)


def test_beam_finds_sequence_greedy_misses():
    [[greedy]] = run((CLASSIC, 2), method="greedy")
    [[best, second]] = run((CLASSIC, 2), method="beam", beam_size=2, n_best=2)
    assert best.tokens == [B]
    assert second.tokens == greedy.tokens == [A]
    assert best.probability > greedy.probability


def test_beam_wider_than_vocabulary_returns_only_possible_outputs():
    [hypotheses] = run((CLASSIC, 2), beam_size=7, n_best=7, max_length=4)
    assert all(math.isfinite(h.log_prob) for h in hypotheses)
    assert len({tuple(h.tokens) for h in hypotheses}) == 7


def test_n_best_are_distinct_and_sorted_by_score():
    [hypotheses] = run((LENGTH, 3), method="beam", beam_size=4, n_best=4)
    scores = [h.score for h in hypotheses]
    assert len(hypotheses) == 4
    assert scores == sorted(scores, reverse=True)
    assert len({tuple(h.tokens) for h in hypotheses}) == 4


@pytest.mark.parametrize("settings", ALL_METHODS)
def test_log_prob_is_teacher_forced_sum(settings):
    constraints = {"min_length": 2, "no_repeat_ngram_size": 2}
    outputs = run(*EVERY_SCRIPT, max_length=6, **constraints, **settings)
    for (script, _), hypotheses in zip(EVERY_SCRIPT, outputs, strict=True):
        for h in hypotheses:
            expected = script.teacher_forced(h.tokens, ended(h, 6))
            assert h.log_prob == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("alpha, winner", [(0.0, [A]), (2.0, [B, C])])
def test_length_penalty_changes_ranking(alpha, winner):
    [hypotheses] = run((LENGTH, 2), beam_size=2, n_best=2, length_penalty=alpha)
    assert sorted(tokens(hypotheses)) == [[A], [B, C]]
    assert hypotheses[0].tokens == winner
    for h in hypotheses:
        penalty = length_penalty(len(h.tokens) + 1, alpha)  # eos counts
        assert h.score == pytest.approx(h.log_prob / penalty)


@pytest.mark.parametrize("settings", ALL_METHODS)
def test_min_length_forbids_early_eos(settings):
    outputs = run((CLASSIC, 2), min_length=2, **settings)
    assert all(len(h.tokens) >= 2 for h in outputs[0])
    if settings["method"] == "greedy":
        assert outputs[0][0].tokens == [A, A]


@pytest.mark.parametrize("settings", ALL_METHODS)
def test_max_length_caps_output(settings):
    outputs = run((CHATTY, 3), max_length=3, **settings)
    for h in outputs[0]:
        assert len(h.tokens) <= 3
        assert h.attention.shape[0] == min(len(h.tokens) + 1, 3)
    if settings["method"] == "greedy":
        assert outputs[0][0].tokens == [A, A, A]


@pytest.mark.parametrize("settings", ALL_METHODS)
def test_no_repeated_ngram_in_any_output(settings):
    outputs = run(*EVERY_SCRIPT, max_length=8, no_repeat_ngram_size=2, **settings)
    for h in (h for hypotheses in outputs for h in hypotheses):
        bigrams = list(zip(h.tokens, h.tokens[1:], strict=False))
        assert len(bigrams) == len(set(bigrams)), h.tokens


def test_without_ngram_ban_greedy_repeats():
    [[h]] = run((CHATTY, 3), method="greedy", max_length=4)
    assert h.tokens == [A, A, A, A]


@pytest.mark.parametrize(
    "filters", [{"top_k": 1}, {"top_p": 1e-3}, {"temperature": 1e-3}]
)
def test_sharpest_sampling_equals_greedy(filters):
    greedy = run(*EVERY_SCRIPT, method="greedy", max_length=6)
    sampled = run(*EVERY_SCRIPT, method="sample", n_best=3, max_length=6, **filters)
    for [g], samples in zip(greedy, sampled, strict=True):
        assert tokens(samples) == [g.tokens] * 3


def test_sampling_with_seed_is_reproducible():
    settings = {"method": "sample", "n_best": 8, "max_length": 6, "seed": 13}
    first = run(*EVERY_SCRIPT, **settings)
    second = run(*EVERY_SCRIPT, **settings)
    assert [tokens(h) for h in first] == [tokens(h) for h in second]
    assert len({tuple(h.tokens) for h in first[2]}) > 1  # the draws do vary


def test_sampling_draws_only_from_top_k():
    [samples] = run((CHATTY, 3), method="sample", n_best=8, top_k=2, max_length=6)
    assert all(set(h.tokens) <= {A, B} for h in samples)


def test_samples_sorted_by_score():
    [samples] = run((CHATTY, 3), method="sample", n_best=8, max_length=6, seed=1)
    scores = [h.score for h in samples]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("settings", ALL_METHODS[:2])
def test_batch_decoding_equals_one_by_one(settings):
    together = run(*EVERY_SCRIPT, max_length=6, **settings)
    for sentence, hypotheses in zip(EVERY_SCRIPT, together, strict=True):
        [alone] = run(sentence, max_length=6, **settings)
        assert tokens(hypotheses) == tokens(alone)
        for h, a in zip(hypotheses, alone, strict=True):
            assert h.log_prob == pytest.approx(a.log_prob, abs=1e-6)
            torch.testing.assert_close(h.attention, a.attention)


@pytest.mark.parametrize("settings", ALL_METHODS)
def test_attention_has_a_row_per_token_and_real_source_columns(settings):
    outputs = run(*EVERY_SCRIPT, max_length=6, **settings)
    for (_, src_length), hypotheses in zip(EVERY_SCRIPT, outputs, strict=True):
        for h in hypotheses:
            rows = len(h.tokens) + ended(h, 6)
            assert h.attention.shape == (rows, src_length)
            torch.testing.assert_close(h.attention.sum(dim=1), torch.ones(rows))


@pytest.mark.parametrize("n, banned", [(1, {A, B}), (2, {B}), (3, set()), (4, set())])
def test_ban_repeated_ngrams(n, banned):
    history = torch.tensor([[A, B, A]])  # 1 x steps
    log_probs = ban_repeated_ngrams(torch.zeros(1, VOCAB), history, n)  # 1 x vocab
    assert set(log_probs[0].isinf().nonzero().flatten().tolist()) == banned


@pytest.mark.parametrize(
    ("min_length", "n", "steps", "forbids"),
    [(0, 0, 5, False), (3, 0, 2, True), (3, 0, 3, False), (0, 2, 1, False),
     (0, 2, 2, True)],
)  # fmt: skip
def test_may_forbid_says_when_a_rule_can_apply(min_length, n, steps, forbids):
    config = DecodeConfig(min_length=min_length, no_repeat_ngram_size=n)
    assert may_forbid(config, steps) is forbids


def test_top_p_keeps_smallest_set_reaching_p():
    logits = torch.tensor([[0.2, 0.5, 0.3]]).log()  # 1 x vocab
    kept = keep_top_p(logits, 0.7).isfinite()  # 1 x vocab
    assert kept.tolist() == [[False, True, True]]


def test_every_method_has_a_search():
    assert set(SEARCHES) == set(METHODS)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"method": "viterbi"}, "method must be one of"),
        ({"beam_size": 0}, "beam_size must be >= 1"),
        ({"n_best": 0}, "n_best must be >= 1"),
        ({"beam_size": 2, "n_best": 3}, "n_best must be <= beam_size"),
        ({"length_penalty": -1.0}, "length_penalty must be >= 0"),
        ({"max_length": 0}, "max_length must be >= 1"),
        ({"min_length": 5, "max_length": 3}, "min_length <= max_length"),
        ({"no_repeat_ngram_size": -1}, "no_repeat_ngram_size must be >= 0"),
        ({"temperature": 0.0}, "temperature must be > 0"),
        ({"top_k": -1}, "top_k must be >= 0"),
        ({"top_p": 0.0}, "top_p must be in"),
        ({"top_p": 1.5}, "top_p must be in"),
    ],
)
def test_config_rejects_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        DecodeConfig(**settings)


def test_config_lists_every_problem_at_once():
    with pytest.raises(ValueError, match="beam_size.*temperature"):
        DecodeConfig(beam_size=0, temperature=-1.0)


def test_n_best_may_exceed_beam_size_when_sampling():
    [samples] = run((CHATTY, 3), method="sample", beam_size=2, n_best=8, max_length=6)
    assert len(samples) == 8


def test_candidates_are_each_sentence_s_best_sums_and_the_first_beam_grow():
    """Two sentences of two beams: the second's best extension ends in eos, so
    the next two grow; the first's beam 1 is out of the running (-inf)."""
    scores = torch.tensor([[0.0, float("-inf")], [-1.0, -2.0]])
    log_probs = torch.full((4, VOCAB), -9.0)
    log_probs[0, [A, B, EOS, C]] = torch.tensor([-0.5, -1.0, -3.0, -4.0])
    log_probs[2, [EOS, A]] = torch.tensor([-0.1, -0.7])
    log_probs[3, [B, C]] = torch.tensor([-0.2, -0.3])
    chosen = top_candidates(scores, log_probs, count=4, eos_id=EOS)
    assert chosen.best is not None and chosen.ends is not None
    assert chosen.best.tokens.tolist() == [[A, B, EOS, C], [EOS, A, B, C]]
    assert chosen.best.rows.tolist() == [[0, 0, 0, 0], [2, 2, 3, 3]]
    torch.testing.assert_close(
        chosen.best.scores,
        torch.tensor([[-0.5, -1.0, -3.0, -4.0], [-1.1, -1.7, -2.2, -2.3]]),
    )
    assert chosen.ends.tolist() == [[False, False, True, False], [True] + [False] * 3]
    assert chosen.growing.tokens.tolist() == [[A, B], [A, B]]
    assert chosen.growing.rows.tolist() == [[0, 0], [2, 3]]
    nothing_ends = top_candidates(scores[:1], log_probs[:2], count=2, eos_id=EOS)
    assert nothing_ends.best is None and nothing_ends.ends is None
    assert nothing_ends.growing.tokens.tolist() == [[A, B]]
