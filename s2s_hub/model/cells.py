"""The decoder's stacked LSTM/GRU, stepped by hand with plain matrix products.

Why not ``nn.LSTM`` one step at a time: on CPU each call goes through oneDNN's RNN
kernel, which costs tens of milliseconds per step (backward more) for a 64 x 256
batch; plain ``F.linear`` calls cost a fraction of that. Stepping by hand also lets
the first layer's input projection of the target embeddings be done once for all
steps (``project``) instead of once per step.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

GATES = {"lstm": 4, "gru": 3}


class StackedCells(nn.Module):
    """``layers`` LSTM or GRU cells; layer 0 reads ``[embedding; extra]``.

    The equations are PyTorch's ``nn.LSTMCell`` / ``nn.GRUCell`` ones (GRU: the
    reset gate scales the recurrent part of the candidate, ``n = tanh(W_in x +
    b_in + r * (W_hn h + b_hn))``).
    """

    def __init__(
        self,
        cell: str,
        emb_size: int,
        extra_size: int,
        hidden_size: int,
        layers: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.cell = cell
        self.hidden_size = hidden_size
        gates = GATES[cell] * hidden_size
        self.embedding_proj = nn.Linear(emb_size, gates)
        self.extra_proj = (
            nn.Linear(extra_size, gates, bias=False) if extra_size else None
        )
        self.input_proj = nn.ModuleList(
            nn.Linear(hidden_size, gates) for _ in range(layers - 1)
        )
        self.recurrent_proj = nn.ModuleList(
            nn.Linear(hidden_size, gates) for _ in range(layers)
        )
        self.dropout = nn.Dropout(dropout)
        bound = 1 / math.sqrt(hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def project(self, embedded: Tensor) -> Tensor:
        """Layer 0's gate input from embeddings, (..., emb) -> (..., gates * hidden)."""
        return self.embedding_proj(embedded)

    def forward(
        self, projected: Tensor, extra: Tensor | None, hidden: tuple[Tensor, ...]
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """One step of every layer.

        Args:
            projected: ``project(embedding)`` of this step, shape (batch, gates).
            extra: the rest of layer 0's input (context, input feed), (batch, extra).
            hidden: (h,) for GRU or (h, c) for LSTM, each (layers, batch, hidden).

        Returns:
            the top layer's output (batch, hidden) and the new hidden tuple.
        """
        gate_input = projected
        if self.extra_proj is not None and extra is not None:
            gate_input = gate_input + self.extra_proj(extra)
        new_h, new_c = [], []
        for layer, recurrent in enumerate(self.recurrent_proj):
            if layer > 0:
                gate_input = self.input_proj[layer - 1](self.dropout(new_h[-1]))
            h = hidden[0][layer]
            if self.cell == "lstm":
                h, c = _lstm(gate_input + recurrent(h), hidden[1][layer])
                new_c.append(c)
            else:
                h = _gru(gate_input, recurrent(h), h)
            new_h.append(h)
        stacked = (torch.stack(new_h),) + ((torch.stack(new_c),) if new_c else ())
        return new_h[-1], stacked


class _LSTMPointwise(torch.autograd.Function):
    """The LSTM cell after its matrix products, as one autograd node.

    Written out, the cell is a dozen elementwise nodes that each save their inputs;
    this node saves the four gate activations, the previous cell and tanh of the
    new one, and its backward is the closed form. Teacher forcing runs it twice a
    step for every target position, so both the saved memory and the per-node
    overhead add up.
    """

    @staticmethod
    def forward(ctx: Any, gates: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
        act = torch.sigmoid(gates)  # i, f, o; g is overwritten with its tanh
        size = c_prev.size(-1)
        act[:, 2 * size : 3 * size] = torch.tanh(gates[:, 2 * size : 3 * size])
        i, f, g, o = act.chunk(4, dim=-1)
        c = torch.addcmul(f * c_prev, i, g)
        tanh_c = torch.tanh(c)
        ctx.save_for_backward(act, c_prev, tanh_c)
        return o * tanh_c, c

    @staticmethod
    def backward(
        ctx: Any, grad_h: Tensor | None, grad_c: Tensor | None
    ) -> tuple[Tensor, Tensor]:
        act, c_prev, tanh_c = ctx.saved_tensors
        i, f, g, o = act.chunk(4, dim=-1)
        if grad_h is None:
            grad_h = torch.zeros_like(tanh_c)
        # dL/dc = grad_c + grad_h * o * (1 - tanh(c)^2)
        grad_cell = grad_h * o * (1 - tanh_c * tanh_c)
        if grad_c is not None:
            grad_cell += grad_c
        grad_gates = torch.cat(
            [
                grad_cell * g * i * (1 - i),
                grad_cell * c_prev * f * (1 - f),
                grad_cell * i * (1 - g * g),
                grad_h * tanh_c * o * (1 - o),
            ],
            dim=-1,
        )
        return grad_gates, grad_cell * f


def _lstm(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    return _LSTMPointwise.apply(gates, c)


def _gru(input_gates: Tensor, hidden_gates: Tensor, h: Tensor) -> Tensor:
    r_x, z_x, n_x = input_gates.chunk(3, dim=-1)
    r_h, z_h, n_h = hidden_gates.chunk(3, dim=-1)
    r = torch.sigmoid(r_x + r_h)
    z = torch.sigmoid(z_x + z_h)
    n = torch.tanh(n_x + r * n_h)
    return (1 - z) * n + z * h
