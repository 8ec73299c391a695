"""What a Transformer decoder carries between steps: its key/value cache.

Each decoder layer attends to the target so far (self-attention) and to the
source (cross-attention). The source's keys and values are projected once, when
the sentence is encoded, and kept one per sentence, shared by its beams; the
target's grow by a row per step and belong to each hypothesis, so beam search
reorders them with the beams.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor


@dataclass
class TransformerState:
    """The cache of every decoder layer, batch-first; follows
    ``s2s_hub.search.SearchState``.

    Attributes:
        self_keys: per layer, the target positions' keys so far, shape (rows,
            heads, steps, head_size): a row per hypothesis.
        self_values: per layer, their values, the same shape.
        cross_keys: per layer, the source's keys, shape (batch, heads, src_len,
            head_size): a sentence's ``group`` consecutive rows (its beams) share
            them.
        cross_values: per layer, the source's values, the same shape.
        mask: True at real source positions, shape (batch, src_len).
        source: source token ids, shape (batch, src_len) (what the copy gate
            copies).
        step: index of the target position the next call produces (a 0-d tensor
            while the step is traced into an ONNX graph, where it is an input).
    """

    self_keys: tuple[Tensor, ...]
    self_values: tuple[Tensor, ...]
    cross_keys: tuple[Tensor, ...]
    cross_values: tuple[Tensor, ...]
    mask: Tensor
    source: Tensor
    step: int | Tensor = 0

    @property
    def group(self) -> int:
        """Rows per sentence."""
        return self.self_keys[0].size(0) // self.mask.size(0)

    def select(self, index: Tensor) -> TransformerState:
        """The state of rows ``index``, in any order and repeated at will, each
        row then a sentence of its own (its source's keys and values copied)."""
        return self.keep(index, torch.div(index, self.group, rounding_mode="floor"))

    def expand(self, count: int) -> TransformerState:
        """Every row repeated ``count`` times in a row (beams), sharing its
        sentence's source keys and values."""
        rows = self.self_keys[0].size(0)
        index = torch.arange(rows, device=self.mask.device)
        return self.reorder(index.repeat_interleave(count))

    def keep(self, rows: Tensor, sentences: Tensor) -> TransformerState:
        """Rows ``rows`` of sentences ``sentences``, each sentence's rows
        together."""
        return replace(
            self.reorder(rows),
            cross_keys=_rows(self.cross_keys, sentences),
            cross_values=_rows(self.cross_values, sentences),
            mask=self.mask.index_select(0, sentences),
            source=self.source.index_select(0, sentences),
        )

    def reorder(self, index: Tensor) -> TransformerState:
        """Reorder rows among those of their own sentence (beams within a
        sentence): the per-sentence keys and values stay as they are."""
        return replace(
            self,
            self_keys=_rows(self.self_keys, index),
            self_values=_rows(self.self_values, index),
        )


def _rows(tensors: tuple[Tensor, ...], index: Tensor) -> tuple[Tensor, ...]:
    return tuple(tensor.index_select(0, index) for tensor in tensors)
