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

import torch.nn.functional as F
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


def distractor_loss(
    model: Seq2Seq, state: DecoderState, batch: Batch, true_scores: Tensor
) -> Tensor:
    """Logistic loss of each row's mean log-probability ``true_scores`` (batch,)
    against that of the previous row's target under the same source.

    Rows whose neighbour has the very same target are left out; a batch of one
    sentence has no distractor and costs nothing.
    """
    # row i gets row i - 1's target (the first row the last one's)
    other_in, other_out = batch.tgt_in.roll(1, 0), batch.tgt_out.roll(1, 0)
    differs = (other_out != batch.tgt_out).any(1)
    if not bool(differs.any()):
        return true_scores.new_zeros(())
    log_probs, keep = token_log_probs(model, state, other_in, other_out)
    false_scores = mean_log_probs(log_probs, other_out, keep)
    return F.softplus(false_scores - true_scores)[differs].mean()
