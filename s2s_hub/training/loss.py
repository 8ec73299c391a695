"""The output layer and the label-smoothed cross entropy, fused and chunked.

With an 8k vocabulary the (tokens x vocab) logits are the largest tensors of a
training step: ``F.linear`` + ``F.cross_entropy(label_smoothing=...)`` keep the
logits' log-softmax for the backward (200 MB for a batch of 64 long sentences),
and that backward adds a full-size zero fill, a full-size add and the log-softmax
backward, which on CPU cost more than the layer's matrix products. The gradient
with respect to the logits has a closed form,
``(softmax - (1 - eps) * onehot - eps / V) / N``, and the loss is a scalar, so
the layer's gradients are computed during the forward, a chunk of tokens at a
time, and the backward only scales them by the incoming gradient (the fused
linear cross-entropy of Liger-Kernel and Apple's cut-cross-entropy, on CPU). The
logits never exist for more than one chunk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

if TYPE_CHECKING:
    from s2s_hub.model import Seq2Seq
    from s2s_hub.model.decoder import DecoderState

CHUNK_TOKENS = 2048


def _chunk_losses(
    logits: Tensor, gold: Tensor, smoothing: float
) -> tuple[Tensor, Tensor, Tensor]:
    """Summed smoothed loss and NLL of one chunk, and its log-normalisers."""
    log_norm = torch.logsumexp(logits, dim=-1)
    nll = log_norm - logits.gather(1, gold.unsqueeze(1)).squeeze(1)
    uniform = log_norm - logits.mean(dim=-1)  # -mean_v log p_v
    loss = (1 - smoothing) * nll + smoothing * uniform
    return loss.sum(), nll.sum(), log_norm


def _logit_gradient(
    logits: Tensor, log_norm: Tensor, gold: Tensor, smoothing: float
) -> Tensor:
    """d(summed smoothed loss)/d logits, built in the logits' own storage."""
    grad = logits.sub_(log_norm.unsqueeze(1)).exp_()  # softmax
    grad.sub_(smoothing / logits.size(1))
    rows = torch.arange(logits.size(0), device=logits.device)
    grad[rows, gold] -= 1 - smoothing
    return grad


class _LinearSmoothedCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        features: Tensor,
        weight: Tensor,
        bias: Tensor | None,
        gold: Tensor,
        smoothing: float,
    ) -> Tensor:
        wants_grad = any(ctx.needs_input_grad[:3])
        grads = [torch.empty_like(features), torch.zeros_like(weight)]
        grads.append(torch.zeros_like(bias) if bias is not None else None)
        total_loss = total_nll = features.new_zeros(())
        for start in range(0, features.size(0), CHUNK_TOKENS):
            rows = slice(start, start + CHUNK_TOKENS)
            chunk, chunk_gold = features[rows], gold[rows]
            logits = torch.nn.functional.linear(chunk, weight, bias)
            loss, nll, log_norm = _chunk_losses(logits, chunk_gold, smoothing)
            total_loss, total_nll = total_loss + loss, total_nll + nll
            if not wants_grad:
                continue
            grad = _logit_gradient(logits, log_norm, chunk_gold, smoothing)
            torch.mm(grad, weight, out=grads[0][rows])
            grads[1].addmm_(grad.t(), chunk)
            if bias is not None:
                grads[2] += grad.sum(dim=0)
        tokens = max(features.size(0), 1)
        if wants_grad:
            ctx.grads = [g.div_(tokens) if g is not None else None for g in grads]
        return torch.stack([total_loss / tokens, total_nll / tokens])

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        scale = grad[0]
        grads = [g * scale if g is not None else None for g in ctx.grads]
        return (*grads, None, None)


def linear_smoothed_cross_entropy(
    features: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    gold: Tensor,
    smoothing: float,
) -> tuple[Tensor, Tensor]:
    """Mean label-smoothed loss and mean NLL of ``gold`` under
    ``F.linear(features, weight, bias)``: the values of ``F.cross_entropy`` with
    and without ``label_smoothing``. Only the loss carries a gradient.

    Args:
        features: (tokens, hidden); weight: (vocab, hidden); bias: (vocab,) or None;
        gold: (tokens,) target ids.
    """
    both = _LinearSmoothedCrossEntropy.apply(features, weight, bias, gold, smoothing)
    return both[0], both[1].detach()


def smoothed_cross_entropy(
    log_probs: Tensor, gold: Tensor, smoothing: float
) -> tuple[Tensor, Tensor]:
    """Mean label-smoothed loss and mean NLL of ``gold`` (tokens,) under normalised
    ``log_probs`` (tokens, vocab), for outputs that are not one linear layer's
    softmax (the copy gate's mixture). Only the loss carries a gradient."""
    nll = -log_probs.gather(1, gold.unsqueeze(1)).squeeze(1)
    loss = (1 - smoothing) * nll - smoothing * log_probs.mean(dim=-1)
    return loss.mean(), nll.detach().mean()


def token_log_probs(
    model: Seq2Seq, state: DecoderState, tgt_in: Tensor, tgt_out: Tensor
) -> tuple[Tensor, Tensor]:
    """Normalised log-probabilities (non-pad tokens, vocab), teacher-forced from the
    encoded ``state``, and the non-pad mask (batch, tgt_len) of ``tgt_out``: the
    copy gate's mixture or the output layer's softmax, through plain autograd."""
    vectors, attention = model.decoder(tgt_in, state)
    keep = tgt_out != model.pad_id
    source = state.source.unsqueeze(1).expand_as(attention)[keep]
    log_probs = model.scores(vectors[keep], attention[keep], source)
    if model.copy is None:  # logits, not yet normalised
        log_probs = log_probs.log_softmax(-1)
    return log_probs, keep
