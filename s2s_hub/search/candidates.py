"""Beam search's choice at each step: every sentence's best extensions over all
its beams, and the ones that grow.

A sentence's ``count`` best extensions are among its beams' own ``count`` best
tokens, so each row is ranked first and only those ``beam * count`` sums compete.
The ``beam`` best of them that do not end in eos grow. A model may make the same
choice itself (``RanksCandidates``: the ONNX step graph does,
``serving.beam_choice.add_candidates``); ``top_candidates`` is the torch version, and
what such a model must match.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class Extensions:
    """One-token extensions of the beams, each sentence's best first; every
    field has shape (live, n).

    Attributes:
        scores: summed log-probabilities.
        rows: the extended beam's row.
        tokens: the added token.
    """

    scores: Tensor
    rows: Tensor
    tokens: Tensor

    def take(self, slots: Tensor) -> Extensions:
        """The extensions at ``slots`` (live, n') of each sentence."""
        return Extensions(*(field.gather(1, slots) for field in self._fields()))

    def first(self, n: int) -> Extensions:
        return Extensions(*(field[:, :n] for field in self._fields()))

    def of(self, sentences: Tensor) -> Extensions:
        """The extensions of the sentences where ``sentences`` (live,) is True."""
        return Extensions(*(field[sentences] for field in self._fields()))

    def _fields(self) -> tuple[Tensor, Tensor, Tensor]:
        return self.scores, self.rows, self.tokens


@dataclass
class Candidates:
    """A step's choice.

    Attributes:
        growing: each sentence's ``beam`` best extensions that do not end in eos.
        best: each sentence's ``count`` best extensions, on a step where one of
            them ends in eos; None on the others (most steps), where nothing
            ends and only ``growing`` is read.
        ends: where ``best.tokens`` is eos, shape (live, count); None with
            ``best``.
    """

    growing: Extensions
    best: Extensions | None = None
    ends: Tensor | None = None


def counts(count: int, beam: int, vocab: int) -> tuple[int, int]:
    """How many tokens each row ranks and how many extensions each sentence
    keeps, where the vocabulary or the beams hold fewer than ``count``."""
    best = min(count, vocab)
    return best, min(count, beam * best)


def top_candidates(
    scores: Tensor, log_probs: Tensor, count: int, eos_id: int
) -> Candidates:
    """Each sentence's ``count`` best extensions over all its beams, and the
    ``beam`` that grow.

    Args:
        scores: the beams' summed log-probabilities, shape (live, beam).
        log_probs: each row's next-token log-probabilities, shape
            (live * beam, vocab).
    """
    live, beam = scores.shape
    best, kept = counts(count, beam, log_probs.size(1))
    row_scores, row_tokens = log_probs.topk(best, dim=1)
    extended = (scores.reshape(-1, 1) + row_scores).view(live, beam * best)
    top_scores, index = extended.topk(kept, dim=1)
    tokens = row_tokens.reshape(live, beam * best).gather(1, index)
    rows = torch.div(index, best, rounding_mode="floor")
    rows = rows + _first_rows(live, beam, scores.device)
    extensions = Extensions(top_scores, rows, tokens)
    ends = tokens == eos_id
    if not bool(ends.any()):
        return Candidates(extensions.first(beam))
    # at most ``beam`` end (one eos a row): the others keep their order
    slots = ends.int().argsort(dim=1, stable=True)[:, :beam]
    return Candidates(extensions.take(slots), extensions, ends)


@functools.lru_cache(maxsize=64)
def _first_rows(live: int, beam: int, device: torch.device) -> Tensor:
    """Each searching sentence's first row, shape (live, 1): made once per batch
    size, where three calls a step cost as much as a top-k (never written to)."""
    return torch.arange(0, live * beam, beam, device=device).unsqueeze(1)
