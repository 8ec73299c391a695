"""The RNN decoder's step rewritten for its ONNX graph: the same function, fewer calls.

ONNX Runtime spends a beam-5 step of the translator on some 140 nodes: the fixed
cost of each call and the weights each int8 product reads, not arithmetic (issue
34). Before the step is traced, ``fold`` makes a copy of the model that

- looks the first layer's embedding projection up in a vocabulary-sized table
  computed once, where every step multiplied the embeddings of its tokens: one
  Gather in place of a Gather and an int8 product (unless the table would pass
  ``MAX_TABLE_BYTES``);
- multiplies each LSTM layer's input and recurrent state in one product of their
  concatenation, ``[context; feed; h]`` in the first layer and ``[h below; h]``
  above. All of them lie in [-1, 1] (LSTM outputs, tanh, attention averages of
  LSTM outputs), so the one activation scale of dynamic int8 fits all parts;
- cuts the gates at a constant width, where the tracer computed it from shapes.

A GRU keeps its two products apart: its reset gate scales the recurrent part of
the candidate alone.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from s2s_hub.model import Seq2Seq
from s2s_hub.model.cells import StackedCells

#: the largest embedding-projection table folded (vocabulary x gates, float32):
#: the translator's is 41 MB (8,000 x 1,280), and so much larger is its step graph
MAX_TABLE_BYTES = 64 * 2**20


def fold(model: Seq2Seq) -> Seq2Seq:
    """A copy of the RNN ``model`` in evaluation mode that computes the same step
    with the table and products above."""
    folded = copy.deepcopy(model).eval()
    decoder = folded.decoder
    cells: StackedCells = decoder.rnn
    table_bytes = decoder.embed.num_embeddings * cells.embedding_proj.out_features * 4
    if table_bytes <= MAX_TABLE_BYTES:
        with torch.no_grad():
            table = cells.embedding_proj(decoder.embed.weight)  # vocab x gates
        decoder.embed = nn.Embedding.from_pretrained(table)
        cells.embedding_proj = nn.Identity()
    if cells.cell == "lstm":
        decoder.rnn = JoinedLSTM(cells)
    return folded


class JoinedLSTM(nn.Module):
    """``StackedCells`` of LSTM cells in evaluation, one product per layer, and
    the cell's pointwise part as plain operations (``_lstm``): the ONNX exporter
    inlines the training cells' autograd Function with its two outputs swapped
    and loses its in-place tanh."""

    def __init__(self, cells: StackedCells) -> None:
        super().__init__()
        self.hidden_size = cells.hidden_size
        self.embedding_proj = cells.embedding_proj
        below = [cells.extra_proj, *cells.input_proj]
        self.products = nn.ModuleList(
            _joined(inputs, recurrent)
            for inputs, recurrent in zip(below, cells.recurrent_proj, strict=True)
        )

    def project(self, embedded: Tensor) -> Tensor:
        """``StackedCells.project``."""
        return self.embedding_proj(embedded)

    def forward(
        self, projected: Tensor, extra: Tensor | None, hidden: tuple[Tensor, ...]
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """``StackedCells.forward``."""
        below = extra
        new_h, new_c = [], []
        for layer, product in enumerate(self.products):
            h = hidden[0][layer]
            gates = product(h if below is None else torch.cat([below, h], dim=-1))
            if layer == 0:
                gates = gates + projected
            below, c = _lstm(gates, hidden[1][layer], self.hidden_size)
            new_h.append(below)
            new_c.append(c)
        return below, (torch.stack(new_h), torch.stack(new_c))


def _lstm(gates: Tensor, c: Tensor, size: int) -> tuple[Tensor, Tensor]:
    """The LSTM cell after its products, the gates cut every ``size`` columns (a
    number: a constant in the traced graph, where a width read from the tensor
    was computed from its shape at every step)."""
    i, f, g, o = gates.split([size] * 4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _joined(inputs: nn.Linear | None, recurrent: nn.Linear) -> nn.Linear:
    """One ``nn.Linear`` of ``[x; h]`` computing ``inputs(x) + recurrent(h)``."""
    if inputs is None:  # the first layer without input feeding or Bahdanau's context
        return recurrent
    joined = nn.Linear(
        inputs.in_features + recurrent.in_features, recurrent.out_features
    )
    with torch.no_grad():
        joined.weight.copy_(torch.cat([inputs.weight, recurrent.weight], dim=1))
        bias = recurrent.bias if inputs.bias is None else inputs.bias + recurrent.bias
        joined.bias.copy_(bias)
    return joined
