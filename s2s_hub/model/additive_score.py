"""The additive attention score, recomputed in the backward instead of stored.

Teacher forcing scores every target step against every source position, and the
autograd graph of ``v^T tanh(k + q)`` keeps a (batch x src_len x attn) activation
per step: for the longest batches of a translation corpus (64 x 100 x 256 floats
over 110 steps) that is 0.7 GB, the largest single term of training memory. This
function keeps only its inputs and recomputes the activation when the gradient
is needed, trading one elementwise pass for that memory.

It computes ``v^T sigmoid(k + q)``: with ``tanh(x) = 2 sigmoid(2x) - 1``,
``v^T tanh(x) = 2 v^T sigmoid(2x) - sum(v)``, and the constant ``sum(v)`` cancels
in the softmax over source positions, so ``AdditiveAttention`` feeds it doubled
keys and queries and doubles the result. Sigmoid is the cheaper function on CPU
(PyTorch's vectorised tanh is several times slower per element).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

#: elements of the (sentences, group, src_len, attn) activation computed at once
#: when no gradient is needed: 1 MiB of floats stays in a core's L2 cache between
#: the addition, the sigmoid and the product, where the whole activation of a
#: beam-5 batch of 64 sentences (12 MiB at 30 source tokens) went to memory and
#: back three times (bench/serving.py, batches: ``_score_by_blocks``)
BLOCK_ELEMENTS = 2**18


class _SigmoidScore(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, keys: Tensor, query: Tensor, v: Tensor) -> Tensor:
        ctx.save_for_backward(keys, query, v)
        return _score(keys, query, v)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        keys, query, v = ctx.saved_tensors
        hidden = _hidden(keys, query)
        grad_v = torch.einsum("bgs,bgsa->a", grad, hidden)
        # d sigmoid = h (1 - h) = -(h^2 - h)
        grad_pre = torch.mul(hidden, hidden).sub_(hidden)
        grad_pre.mul_(-v).mul_(grad.unsqueeze(3))  # batch x group x src_len x attn
        # one query per sentence (training): its keys' gradient without a copy
        grad_keys = grad_pre.squeeze(1) if grad_pre.size(1) == 1 else grad_pre.sum(1)
        return grad_keys, grad_pre.sum(dim=2), grad_v


def _score(keys: Tensor, query: Tensor, v: Tensor) -> Tensor:
    hidden = _hidden(keys, query)
    # v as a one-column matrix: torch computes the same bits as with a vector,
    # and ONNX Runtime folds the leading dimensions into one product, where a
    # vector (4-d, or flattened with ``mv``) takes its slow path: 21 ms against
    # 3 ms for a beam-5 batch of 64 sentences of 100 tokens
    return torch.matmul(hidden, v.unsqueeze(1)).squeeze(3)


def _score_by_blocks(keys: Tensor, query: Tensor, v: Tensor) -> Tensor:
    """``_score`` a few sentences at a time (``BLOCK_ELEMENTS``)."""
    batch, group, attn = query.shape
    sentences = max(1, BLOCK_ELEMENTS // (group * keys.size(1) * attn))
    if sentences >= batch:
        return _score(keys, query, v)
    return torch.cat(
        [
            _score(keys[start : start + sentences], query[start : start + sentences], v)
            for start in range(0, batch, sentences)
        ]
    )


def _hidden(keys: Tensor, query: Tensor) -> Tensor:
    """``sigmoid(keys + query)``, shape (batch, group, src_len, attn)."""
    return torch.add(keys.unsqueeze(1), query.unsqueeze(2)).sigmoid_()


def sigmoid_score(keys: Tensor, query: Tensor, v: Tensor) -> Tensor:
    """``v^T sigmoid(keys[b, s] + query[b, g])`` for every query and source position.

    A sentence's queries (its beams) share its keys, which are never copied.

    Args:
        keys: (batch, src_len, attn); query: (batch, group, attn); v: (attn,).

    Returns:
        scores of shape (batch, group, src_len).
    """
    needs_grad = torch.is_grad_enabled() and any(
        t.requires_grad for t in (keys, query, v)
    )
    if needs_grad or torch.jit.is_tracing():  # a traced graph must not fix the batch
        return _SigmoidScore.apply(keys, query, v)
    return _score_by_blocks(keys, query, v)
