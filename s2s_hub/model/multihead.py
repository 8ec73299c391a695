"""Multi-head scaled dot-product attention, with keys and values kept apart.

A Transformer layer's attention is split in two calls, like the RNN's attention
(``attention.py``): ``keys_values`` projects what is attended to, and ``forward``
attends from queries to keys and values already projected. Decoding computes the
source's keys and values once per sentence and grows the target's a row per step
(the key/value cache of ``transformer_state.py``), instead of re-projecting all
earlier positions at every step.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class MultiHeadAttention(nn.Module):
    """``softmax(Q K^T / sqrt(d)) V`` in ``heads`` heads of ``size / heads``.

    Plain ``nn.Linear`` projections (not ``nn.MultiheadAttention``'s packed
    weight), so int8 serving quantizes them like any other matrix, and the
    ONNX exporter sees ordinary matrix products.
    """

    def __init__(self, size: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.query = nn.Linear(size, size)
        self.key_value = nn.Linear(size, 2 * size)  # keys and values in one product
        self.out = nn.Linear(size, size)

    def split(self, x: Tensor) -> Tensor:
        """(batch, length, size) -> (batch, heads, length, size / heads)."""
        batch, length, size = x.shape
        return x.view(batch, length, self.heads, size // self.heads).transpose(1, 2)

    def keys_values(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Keys and values of ``x`` (batch, length, size), each of shape
        (batch, heads, length, size / heads)."""
        keys, values = self.key_value(x).chunk(2, dim=-1)
        return self.split(keys), self.split(values)

    def forward(
        self,
        x: Tensor,
        keys: Tensor,
        values: Tensor,
        mask: Tensor | None = None,
        causal: bool = False,
        need_weights: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``x`` (batch, queries, size) over ``keys`` and ``values``
        (batch, heads, length, size / heads).

        Args:
            mask: True where a key may be attended to, broadcast to (batch, heads,
                queries, length); None allows all.
            causal: query i sees keys 0..i only (teacher forcing in the decoder).
            need_weights: also return the attention weights, averaged over heads.

        Returns:
            the attended output (batch, queries, size), and the weights (batch,
            queries, length) when asked for (else None): the attention
            distribution itself, before dropout.
        """
        query = self.split(self.query(x))  # batch x heads x queries x head_size
        dropout = self.dropout if self.training else 0.0
        if need_weights:
            context, weights = _attention(query, keys, values, mask, causal, dropout)
            weights = weights.mean(dim=1)  # batch x queries x length
        else:
            context = F.scaled_dot_product_attention(
                query, keys, values, mask, dropout_p=dropout, is_causal=causal
            )
            weights = None
        context = context.transpose(1, 2).flatten(2)  # batch x queries x size
        return self.out(context), weights


def _attention(
    query: Tensor,
    keys: Tensor,
    values: Tensor,
    mask: Tensor | None,
    causal: bool,
    dropout: float,
) -> tuple[Tensor, Tensor]:
    """``scaled_dot_product_attention`` written out, to keep its weights (batch,
    heads, queries, length) beside the context (batch, heads, queries, head_size)."""
    scores = query @ keys.transpose(-2, -1) / math.sqrt(query.size(-1))
    if causal:  # query i sees keys 0..i
        rows = torch.arange(query.size(-2), device=query.device).unsqueeze(1)
        earlier = torch.arange(keys.size(-2), device=keys.device) <= rows
        mask = earlier if mask is None else mask & earlier
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return F.dropout(weights, dropout, training=dropout > 0) @ values, weights
