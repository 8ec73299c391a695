"""Beam search's choice at each step: every sentence's best extensions over all
its beams.

A sentence's ``count`` best extensions are among its beams' own ``count`` best
tokens, so each row is ranked first and only those ``beam * count`` sums compete.
A model may compute the same ranking itself (``RanksCandidates``: the ONNX step
graph does, ``serving.graphs.add_candidates``); ``top_candidates`` is the torch
version, and what such a model must match.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

#: summed log-probabilities (live, count), the extended row (live, count) and the
#: added token (live, count), best first
Candidates = tuple[Tensor, Tensor, Tensor]


def counts(count: int, beam: int, vocab: int) -> tuple[int, int]:
    """How many tokens each row ranks and how many extensions each sentence
    keeps, where the vocabulary or the beams hold fewer than ``count``."""
    best = min(count, vocab)
    return best, min(count, beam * best)


def top_candidates(scores: Tensor, log_probs: Tensor, count: int) -> Candidates:
    """The ``count`` best extensions of each sentence over all its beams.

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
    return top_scores, rows + _first_rows(live, beam, scores.device), tokens


@functools.lru_cache(maxsize=64)
def _first_rows(live: int, beam: int, device: torch.device) -> Tensor:
    """Each searching sentence's first row, shape (live, 1): made once per batch
    size, where three calls a step cost as much as a top-k (never written to)."""
    return torch.arange(0, live * beam, beam, device=device).unsqueeze(1)
