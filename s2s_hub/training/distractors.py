"""Training against distractors: a context's true reply must outscore another's.

A dialogue model is judged by ranking (hits@1: the true reply against replies of
other dialogues, by the model's length-normalised log-probability). Maximum
likelihood alone rewards replies that are likely under any context, and generic
replies ("lol yeah") are, so the ranking stays near chance long after perplexity
has dropped. This loss asks the same question as the metric on every batch: each
source's own target must score higher than the target of the previous row, which the
length bucketing makes a reply of similar length (the in-batch negatives of
Henderson et al., 2017, with a generative model's score).
"""

from __future__ import annotations

import torch
from torch import Tensor

from s2s_hub.data.collate import Batch
from s2s_hub.model import Seq2Seq
from s2s_hub.model.decoder import DecoderState
from s2s_hub.training.loss import token_log_probs


def mean_log_probs(log_probs: Tensor, tgt_out: Tensor, keep: Tensor) -> Tensor:
    """Each row's mean log-probability of its target (``Predictor.score``'s
    ``mean_log_prob``) from the log-probabilities (non-pad tokens, vocab) of the
    non-pad positions ``keep`` (batch, tgt_len) of ``tgt_out``."""
    gold = log_probs.gather(1, tgt_out[keep].unsqueeze(1)).squeeze(1)
    per_token = gold.new_zeros(keep.shape).masked_scatter(keep, gold)
    return per_token.sum(1) / keep.sum(1).clamp(min=1)


def _padded(targets: Tensor, width: int, pad: int) -> Tensor:
    return torch.nn.functional.pad(targets, (0, width - targets.shape[1]), value=pad)


def distractor_loss(
    model: Seq2Seq,
    state: DecoderState,
    batch: Batch,
    true_scores: Tensor,
    count: int = 1,
    pool: tuple[Tensor, Tensor] | None = None,
) -> Tensor:
    """Cross entropy of picking each row's own target, scored ``true_scores``
    (batch,), among it and ``count`` distractors, all scored under the row's source
    (for one distractor, the logistic loss of the pair).

    The distractors are the targets (``tgt_in``, ``tgt_out``) of ``pool``, by
    default the batch's own: row i's k-th is the pool's row i - k (wrapping
    around), so in the batch the k-th previous row's, a reply of similar length
    under length bucketing. A pool of another batch's targets brings replies of
    other lengths, as the ranking's candidates are.

    The distractors of all rows go through the decoder as one batch. A distractor
    identical to the row's own target is left out, and a row left without any
    costs nothing; so does a batch of one sentence.
    """
    pool_in, pool_out = pool if pool is not None else (batch.tgt_in, batch.tgt_out)
    size, device = len(true_scores), true_scores.device
    rows_of = torch.arange(size, device=device)
    picks = torch.cat([(rows_of - k) % len(pool_out) for k in range(1, count + 1)])
    other_in, other_out = pool_in[picks], pool_out[picks]
    width = max(other_out.shape[1], batch.tgt_out.shape[1])
    own = _padded(batch.tgt_out, width, model.pad_id).repeat(count, 1)
    differs = (_padded(other_out, width, model.pad_id) != own).any(1)
    differs = differs.view(count, size)
    rows = differs.any(0)
    if not bool(rows.any()):
        return true_scores.new_zeros(())
    repeated = state.select(rows_of.repeat(count))
    log_probs, keep = token_log_probs(model, repeated, other_in, other_out)
    false_scores = mean_log_probs(log_probs, other_out, keep).view(count, size)
    false_scores = false_scores.masked_fill(~differs, float("-inf"))
    candidates = torch.cat([true_scores.unsqueeze(0), false_scores])
    return (candidates.logsumexp(0) - true_scores)[rows].mean()
