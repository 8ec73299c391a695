"""Attention mechanisms: Bahdanau (additive), Luong global and Luong local.

Every mechanism splits its work in two: ``keys`` projects the encoder outputs once
per sentence (they do not change while decoding), and ``forward`` scores decoder
queries against them: one per sentence, or a group of them (its beams), which
share the sentence's memory and keys instead of copies. Padding is masked to
``-inf`` before the softmax, so no weight ever falls on it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from s2s_hub.model.additive_score import sigmoid_score
from s2s_hub.model.config import Seq2SeqConfig


def by_sentence(rows: Tensor, sentences: int) -> Tensor:
    """(rows, features) -> (sentences, group, features): a sentence's rows (its
    beams) are consecutive."""
    return rows.view(sentences, -1, rows.size(-1))


class Attention(nn.Module):
    """Base: ``weights = softmax(masked score(query, keys))``, then
    ``context = weights @ memory``."""

    def keys(self, memory: Tensor) -> Tensor:
        """Projected encoder outputs, shape (batch, src_len, key_size)."""
        return memory

    def score(self, query: Tensor, keys: Tensor) -> Tensor:
        """Unnormalised scores of queries (batch, group, hidden), shape (batch,
        group, src_len)."""
        raise NotImplementedError

    def window(
        self, query: Tensor, mask: Tensor, step: int | Tensor
    ) -> tuple[Tensor, Tensor]:
        """Positions allowed to the queries (batch, group, hidden) under ``mask``
        (batch, 1, src_len), and a log-prior added to the scores; both broadcast
        to (batch, group, src_len)."""
        return mask, torch.zeros((), device=query.device)

    def forward(
        self,
        query: Tensor,
        keys: Tensor,
        memory: Tensor,
        mask: Tensor,
        step: int | Tensor,
    ) -> tuple[Tensor, Tensor]:
        """Attend from ``query`` (rows, hidden) over ``memory`` (batch, src_len,
        mem), where rows = batch * group and a sentence's rows are consecutive.

        Args:
            mask: True at real source positions, shape (batch, src_len).
            step: index of the target position being produced (local-m needs it);
                a 0-d tensor in the exported ONNX graph.

        Returns:
            context (rows, mem) and weights (rows, src_len) that sum to one.
        """
        query = by_sentence(query, memory.size(0))  # batch x group x hidden
        allowed, log_prior = self.window(query, mask.unsqueeze(1), step)
        scores = self.score(query, keys) + log_prior  # batch x group x src_len
        weights = F.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
        context = torch.bmm(weights, memory)  # batch x group x mem
        return context.flatten(0, 1), weights.flatten(0, 1)


class DotAttention(Attention):
    """Luong dot: ``score(h_t, h_s) = h_t^T h_s``."""

    def score(self, query: Tensor, keys: Tensor) -> Tensor:
        return torch.bmm(query, keys.transpose(1, 2))


class GeneralAttention(DotAttention):
    """Luong general: ``score(h_t, h_s) = h_t^T W_a h_s``, ``W_a h_s`` precomputed."""

    def __init__(self, query_size: int, memory_size: int) -> None:
        super().__init__()
        self.proj = nn.Linear(memory_size, query_size, bias=False)

    def keys(self, memory: Tensor) -> Tensor:
        return self.proj(memory)


class AdditiveAttention(Attention):
    """Bahdanau / Luong concat: ``score = v_a^T tanh(W_q h_t + W_k h_s)``.

    Luong's concat form ``v_a^T tanh(W_a [h_t; h_s])`` is the same function with
    ``W_a = [W_q, W_k]``; the split lets ``W_k h_s`` be computed once per sentence.
    The score is evaluated as ``2 v_a^T sigmoid(2 W_q h_t + 2 W_k h_s)``, which
    differs from it by the constant ``sum(v_a)`` that the softmax cancels (see
    ``additive_score``): the keys this module hands out are ``2 W_k h_s``.
    """

    def __init__(self, query_size: int, memory_size: int, attn_size: int) -> None:
        super().__init__()
        self.key_proj = nn.Linear(memory_size, attn_size, bias=False)
        self.query_proj = nn.Linear(query_size, attn_size, bias=False)
        self.v = nn.Linear(attn_size, 1, bias=False)

    def keys(self, memory: Tensor) -> Tensor:
        return 2 * self.key_proj(memory)

    def score(self, query: Tensor, keys: Tensor) -> Tensor:
        query = 2 * self.query_proj(query)
        return 2 * sigmoid_score(keys, query, self.v.weight[0])


class LocalAttention(GeneralAttention):
    """Luong local attention with the general score, inside ``[p_t - D, p_t + D]``.

    local-m (monotonic) centres the window on ``p_t = t``. local-p (predictive)
    learns ``p_t = S * sigmoid(v_p^T tanh(W_p h_t))`` with S the sentence's real
    source length and scales the alignment by the Gaussian
    ``exp(-(s - p_t)^2 / (2 (D/2)^2))`` (Luong et al., 2015, eqs. 9-10). We add the
    log of that factor to the scores before the softmax, i.e. multiply and then
    renormalise, so the weights remain a distribution over the window. The window is
    clipped to the real source positions of each sentence.
    """

    def __init__(
        self, query_size: int, memory_size: int, window: int, predictive: bool
    ) -> None:
        super().__init__(query_size, memory_size)
        self.window_size = window
        self.predictive = predictive
        if predictive:
            self.position = nn.Sequential(
                nn.Linear(query_size, query_size, bias=False),
                nn.Tanh(),
                nn.Linear(query_size, 1, bias=False),
            )

    def window(
        self, query: Tensor, mask: Tensor, step: int | Tensor
    ) -> tuple[Tensor, Tensor]:
        lengths = mask.sum(dim=-1, keepdim=True).to(query.dtype)  # batch x 1 x 1
        positions = torch.arange(mask.size(-1), device=mask.device).to(query.dtype)
        if self.predictive:
            centre = lengths * torch.sigmoid(self.position(query))  # batch x group x 1
        else:
            # min(t, S - 1); written so that ``step`` may be a tensor (an input of
            # the exported ONNX step graph)
            centre = (lengths - 1).clamp(max=step)  # batch x 1 x 1
        distance = positions - centre  # batch x (group or 1) x src_len
        allowed = mask & (distance.abs() <= self.window_size)
        if not self.predictive:
            return allowed, torch.zeros((), device=query.device)
        sigma = self.window_size / 2
        return allowed, -(distance**2) / (2 * sigma**2)


def build_attention(config: Seq2SeqConfig) -> Attention:
    """The attention module that ``config.attention`` names."""
    query, memory = config.hidden_size, config.encoder_output_size
    kind = config.attention
    if kind in ("bahdanau", "concat"):
        return AdditiveAttention(query, memory, config.hidden_size)
    if kind == "dot":
        return DotAttention()
    if kind == "general":
        return GeneralAttention(query, memory)
    return LocalAttention(query, memory, config.local_window, kind == "local-p")
