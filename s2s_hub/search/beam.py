"""Batched beam search: the beams of every sentence are decoded as one batch.

It follows fairseq's scheme. Every step takes the ``2 * beam`` best one-token
extensions of each sentence, so that ``beam`` of them survive even if ``beam`` end
in eos. An eos among the first ``beam`` extensions is a finished hypothesis; the
best ``beam`` others keep growing. A sentence stops once it holds ``beam`` finished
hypotheses, and leaves the batch; at ``max_length`` the beams still growing are
finished without eos. Growing beams compete on raw log-probability, finished
hypotheses on the length-penalised score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from s2s_hub.search.candidates import Candidates, top_candidates
from s2s_hub.search.config import DecodeConfig
from s2s_hub.search.constraints import constrain, may_forbid
from s2s_hub.search.hypothesis import Hypothesis, make_hypothesis
from s2s_hub.search.protocol import Decodable, RanksCandidates, SearchState


@dataclass
class _Beams:
    """The growing beams: ``beam`` rows for each sentence still searching.

    Attributes:
        sentences: batch index of each searching sentence, shape (live,).
        tokens: bos then generated tokens, shape (live * beam, steps + 1).
        attention: attention so far, shape (live * beam, steps, src_len).
        scores: summed log-probabilities, shape (live, beam).
        state: the decoder state, live * beam rows.
    """

    sentences: Tensor
    tokens: Tensor
    attention: Tensor
    scores: Tensor
    state: SearchState


def beam_search(
    model: Decodable, src: Tensor, src_lengths: Tensor, config: DecodeConfig
) -> list[list[Hypothesis]]:
    """Decode a batch with beam search.

    Args:
        model: the model to decode.
        src: token ids, shape (batch, src_len), padded with pad_id.
        src_lengths: real source lengths, shape (batch,).
        config: decoding settings.

    Returns:
        One list per sentence of its ``config.n_best`` hypotheses, best score first.
    """
    finished: list[list[Hypothesis]] = [[] for _ in range(src.size(0))]
    beams = _start(model, src, src_lengths, config.beam_size)
    ranks = isinstance(model, RanksCandidates)  # a Protocol check: once, not per step
    for steps in range(config.max_length):
        ranked = ranks and not may_forbid(config, steps)
        candidates, step_attention, state = _step(model, beams, config, ranked)
        attention = torch.cat(
            [beams.attention, step_attention.float().unsqueeze(1)], dim=1
        )  # rows x (steps + 1) x src_len
        ended = _ended(model, beams, candidates, attention, src_lengths, config)
        for sentence, hypothesis in ended:
            finished[sentence].append(hypothesis)
        searching = None  # a sentence can only stop on a step where one ended
        if ended:
            searching = torch.tensor(
                [len(finished[s]) < config.beam_size for s in beams.sentences.tolist()],
                device=src.device,
            )  # live
            if not searching.any():
                return _best(finished, config.n_best)
        beams = _advance(beams, candidates, attention, state, searching)
    for sentence, hypothesis in _unfinished(model, beams, src_lengths, config):
        finished[sentence].append(hypothesis)
    return _best(finished, config.n_best)


def _start(
    model: Decodable, src: Tensor, src_lengths: Tensor, beam_size: int
) -> _Beams:
    """Encode the batch and give each sentence ``beam_size`` rows of recurrent
    state, which share its encoder outputs."""
    batch = src.size(0)
    sentences = torch.arange(batch, device=src.device)  # batch
    scores = torch.full((batch, beam_size), float("-inf"), device=src.device)
    scores[:, 0] = 0.0  # the copies are equal: extend only one at the first step
    return _Beams(
        sentences=sentences,
        tokens=src.new_full((batch * beam_size, 1), model.bos_id),  # rows x 1
        attention=torch.zeros(batch * beam_size, 0, src.size(1), device=src.device),
        scores=scores,  # batch x beam
        state=model.encode(src, src_lengths).expand(beam_size),
    )


def _step(
    model: Decodable, beams: _Beams, config: DecodeConfig, ranked: bool
) -> tuple[Candidates, Tensor, SearchState]:
    """The step's choice of extensions (``2 * beam`` for each sentence), its
    attention and the next state. ``ranked``: the model makes the choice itself
    (``RanksCandidates``), and no rule of ``constrain`` may forbid a token at
    this step."""
    tokens, count = beams.tokens[:, -1], 2 * beams.scores.size(1)
    if ranked:
        return model.step_candidates(tokens, beams.state, beams.scores, count)
    log_probs, attention, state = model.step(tokens, beams.state)
    log_probs = constrain(log_probs, beams.tokens[:, 1:], config, model.eos_id)
    return (
        top_candidates(beams.scores, log_probs, count, model.eos_id),
        attention,
        state,
    )


def _ended(
    model: Decodable,
    beams: _Beams,
    candidates: Candidates,
    attention: Tensor,
    src_lengths: Tensor,
    config: DecodeConfig,
) -> list[tuple[int, Hypothesis]]:
    """Hypotheses finished by an eos among each sentence's first ``beam`` candidates.

    Args:
        attention: attention including this step, shape (rows, steps, src_len).

    Returns:
        (batch index of the sentence, hypothesis) pairs.
    """
    best = candidates.best
    if best is None or candidates.ends is None:
        return []
    pairs = []
    for live, slot in candidates.ends[:, : config.beam_size].nonzero().tolist():
        score = best.scores[live, slot].item()
        if not math.isfinite(score):  # eos after a forbidden token
            continue
        row = int(best.rows[live, slot])
        sentence = int(beams.sentences[live])
        hypothesis = make_hypothesis(
            beams.tokens[row, 1:].tolist() + [model.eos_id],
            score,
            attention[row],
            int(src_lengths[sentence]),
            model.eos_id,
            config.length_penalty,
        )
        pairs.append((sentence, hypothesis))
    return pairs


def _advance(
    beams: _Beams,
    candidates: Candidates,
    attention: Tensor,
    state: SearchState,
    searching: Tensor | None,
) -> _Beams:
    """Grow the best non-eos candidates of the sentences still searching.

    Args:
        attention: attention including this step, shape (rows, steps, src_len).
        state: the decoder state after this step, rows in ``beams`` order.
        searching: which live sentences go on, shape (live,), dtype bool; None
            when every one does.
    """
    growing, sentences, kept = candidates.growing, beams.sentences, None
    if searching is not None and not bool(searching.all()):
        # a boolean index is a search for its True entries: done only on the
        # steps where a sentence leaves (a few percent of a sentence's search)
        growing = growing.of(searching)
        sentences, kept = sentences[searching], searching.nonzero().squeeze(1)
    rows = growing.rows.reshape(-1)  # live' * beam
    return _Beams(
        sentences=sentences,
        tokens=torch.cat(
            [beams.tokens.index_select(0, rows), growing.tokens.reshape(-1, 1)], dim=1
        ),  # rows' x (steps + 2)
        attention=attention.index_select(0, rows),
        scores=growing.scores,  # live' x beam
        # while no sentence leaves the batch, rows only move within their sentence
        state=state.reorder(rows) if kept is None else state.keep(rows, kept),
    )


def _unfinished(
    model: Decodable, beams: _Beams, src_lengths: Tensor, config: DecodeConfig
) -> list[tuple[int, Hypothesis]]:
    """The beams still growing at ``max_length``, finished without eos.

    Returns:
        (batch index of the sentence, hypothesis) pairs.
    """
    beam = beams.scores.size(1)
    pairs = []
    for live, sentence in enumerate(beams.sentences.tolist()):
        for slot in range(beam):
            row = live * beam + slot
            hypothesis = make_hypothesis(
                beams.tokens[row, 1:].tolist(),
                beams.scores[live, slot].item(),
                beams.attention[row],
                int(src_lengths[sentence]),
                model.eos_id,
                config.length_penalty,
            )
            pairs.append((sentence, hypothesis))
    return pairs


def _best(finished: list[list[Hypothesis]], n_best: int) -> list[list[Hypothesis]]:
    """The ``n_best`` highest-scoring hypotheses of each sentence, best first."""
    return [
        sorted(hypotheses, key=lambda h: h.score, reverse=True)[:n_best]
        for hypotheses in finished
    ]
