"""Rules that forbid tokens at a decoding step, shared by every search method.

A rule sets the log-probability of a forbidden token to ``-inf`` and leaves the
others alone (no renormalisation), so a chosen token keeps the model's own
log-probability and a hypothesis' ``log_prob`` stays the teacher-forced score of
its tokens.
"""

from __future__ import annotations

import torch
from torch import Tensor

from s2s_hub.search.config import DecodeConfig


def constrain(
    log_probs: Tensor, history: Tensor, config: DecodeConfig, eos_id: int
) -> Tensor:
    """Apply ``min_length`` and ``no_repeat_ngram_size`` to one step.

    Args:
        log_probs: next-token log-probabilities, shape (rows, vocab).
        history: tokens generated so far, shape (rows, steps), bos excluded.
        config: the decoding settings.
        eos_id: id of the end-of-sequence token.

    Returns:
        A new tensor of shape (rows, vocab) with forbidden tokens at ``-inf``.
    """
    log_probs = forbid_early_eos(log_probs, history.size(1), config.min_length, eos_id)
    return ban_repeated_ngrams(log_probs, history, config.no_repeat_ngram_size)


def may_forbid(config: DecodeConfig, steps: int) -> bool:
    """Whether ``constrain`` may forbid a token after ``steps`` generated tokens."""
    n = config.no_repeat_ngram_size
    return steps < config.min_length or (n > 0 and steps >= n)


def forbid_early_eos(
    log_probs: Tensor, step: int, min_length: int, eos_id: int
) -> Tensor:
    """Forbid eos while fewer than ``min_length`` tokens have been generated.

    Args:
        log_probs: shape (rows, vocab).
        step: number of tokens generated so far.
        min_length: the shortest allowed output, eos excluded.
        eos_id: id of the end-of-sequence token.
    """
    if step >= min_length:
        return log_probs
    eos = torch.tensor([eos_id], device=log_probs.device)
    return log_probs.index_fill(1, eos, float("-inf"))


def ban_repeated_ngrams(log_probs: Tensor, history: Tensor, n: int) -> Tensor:
    """Forbid every token that would complete an n-gram already in ``history``.

    The last n - 1 tokens of a row are compared with the first n - 1 tokens of
    each of the row's n-grams; where they match, the n-gram's last token is banned.

    Args:
        log_probs: shape (rows, vocab).
        history: tokens generated so far, shape (rows, steps).
        n: n-gram size; 0 disables the rule.
    """
    if n == 0 or history.size(1) < n:
        return log_probs
    ngrams = history.unfold(1, n, 1)  # rows x windows x n
    suffix = history[:, history.size(1) - n + 1 :]  # rows x (n - 1)
    repeats = (ngrams[:, :, :-1] == suffix.unsqueeze(1)).all(dim=2)  # rows x windows
    banned = torch.zeros_like(log_probs).scatter_add_(
        1, ngrams[:, :, -1], repeats.to(log_probs.dtype)
    )  # rows x vocab, > 0 where banned
    return log_probs.masked_fill(banned > 0, float("-inf"))
