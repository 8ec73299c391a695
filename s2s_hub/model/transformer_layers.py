"""The layers of a pre-norm Transformer (Vaswani et al., 2017; Xiong et al., 2020).

Each sub-block normalises its input and adds its output to it:
``x + dropout(block(layer_norm(x)))``. Pre-norm trains without the long warm-up
that post-norm needs, which matters for the short runs of a CPU budget.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from s2s_hub.model.multihead import MultiHeadAttention


class FeedForward(nn.Sequential):
    """``W_2 dropout(relu(W_1 x))``, position by position."""

    def __init__(self, size: int, ff_size: int, dropout: float) -> None:
        super().__init__(
            nn.Linear(size, ff_size),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(ff_size, size),
        )


class EncoderLayer(nn.Module):
    """Self-attention over the source, then a feed-forward block."""

    def __init__(self, size: int, heads: int, ff_size: int, dropout: float) -> None:
        super().__init__()
        self.self_norm = nn.LayerNorm(size)
        self.self_attention = MultiHeadAttention(size, heads, dropout)
        self.ff_norm = nn.LayerNorm(size)
        self.feed_forward = FeedForward(size, ff_size, dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        """``x`` (batch, src_len, size) -> the same shape; ``mask`` (batch, 1, 1,
        src_len) is True at real source positions."""
        normed = self.self_norm(x)
        keys, values = self.self_attention.keys_values(normed)
        x = x + self.dropout(self.self_attention(normed, keys, values, mask)[0])
        return x + self.dropout(self.feed_forward(self.ff_norm(x)))


class DecoderLayer(nn.Module):
    """Causal self-attention over the target, attention to the source, then a
    feed-forward block."""

    def __init__(self, size: int, heads: int, ff_size: int, dropout: float) -> None:
        super().__init__()
        self.self_norm = nn.LayerNorm(size)
        self.self_attention = MultiHeadAttention(size, heads, dropout)
        self.cross_norm = nn.LayerNorm(size)
        self.cross_attention = MultiHeadAttention(size, heads, dropout)
        self.ff_norm = nn.LayerNorm(size)
        self.feed_forward = FeedForward(size, ff_size, dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: Tensor,
        cross_keys: Tensor,
        cross_values: Tensor,
        mask: Tensor,
        need_weights: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Teacher forcing: every target position at once, each seeing itself and
        the positions before it.

        Args:
            x: shape (batch, tgt_len, size).
            cross_keys: the source's keys, (batch, heads, src_len, head_size).
            cross_values: the source's values, the same shape.
            mask: True at real source positions, shape (batch, src_len).
            need_weights: return the source attention weights, averaged over heads.

        Returns:
            the layer's output, shaped like ``x``, and the weights (batch, tgt_len,
            src_len) or None.
        """
        normed = self.self_norm(x)
        keys, values = self.self_attention.keys_values(normed)
        attended, _ = self.self_attention(normed, keys, values, causal=True)
        return self._source(
            x + self.dropout(attended), cross_keys, cross_values, mask, need_weights
        )

    def step(
        self,
        x: Tensor,
        past_keys: Tensor,
        past_values: Tensor,
        cross_keys: Tensor,
        cross_values: Tensor,
        mask: Tensor,
        need_weights: bool = False,
    ) -> tuple[Tensor, Tensor | None, Tensor, Tensor]:
        """One new target position per row, attending to the cached ones.

        Args:
            x: shape (rows, 1, size), rows = batch * group, a sentence's rows
                (its beams) consecutive.
            past_keys: the earlier positions' keys, (rows, heads, steps,
                head_size); past_values: their values, the same shape.
            cross_keys, cross_values, mask, need_weights: as in ``forward``, one
                per sentence.

        Returns:
            the layer's output (rows, 1, size), the weights (rows, src_len) or
            None, and the keys and values with this position's appended.
        """
        normed = self.self_norm(x)
        keys, values = self.self_attention.keys_values(normed)
        keys = torch.cat([past_keys, keys], dim=2)  # rows x heads x steps+1 x hs
        values = torch.cat([past_values, values], dim=2)
        attended, _ = self.self_attention(normed, keys, values)
        x = x + self.dropout(attended)  # rows x 1 x size
        # a sentence's rows are the queries of one cross-attention call: its
        # beams share the source's keys and values without copies
        by_sentence = x.view(mask.size(0), -1, x.size(-1))  # batch x group x size
        x, weights = self._source(
            by_sentence, cross_keys, cross_values, mask, need_weights
        )
        if weights is not None:
            weights = weights.flatten(0, 1)  # rows x src_len
        return x.view(-1, 1, x.size(-1)), weights, keys, values

    def _source(
        self,
        x: Tensor,
        cross_keys: Tensor,
        cross_values: Tensor,
        mask: Tensor,
        need_weights: bool,
    ) -> tuple[Tensor, Tensor | None]:
        """Attention to the source and the feed-forward block, for ``x`` (batch,
        queries, size)."""
        allowed = mask[:, None, None, :]  # batch x 1 x 1 x src_len
        attended, weights = self.cross_attention(
            self.cross_norm(x),
            cross_keys,
            cross_values,
            allowed,
            need_weights=need_weights,
        )
        x = x + self.dropout(attended)
        return x + self.dropout(self.feed_forward(self.ff_norm(x))), weights
