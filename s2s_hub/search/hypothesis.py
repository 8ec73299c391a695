"""One decoded output sequence and how it is scored."""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import Tensor


@dataclass
class Hypothesis:
    """A decoded sequence with its scores and attention.

    Attributes:
        tokens: generated token ids, without bos and eos.
        log_prob: sum of the model's log-probabilities of the generated tokens,
            eos included when it was generated.
        score: the ranking score, ``log_prob`` divided by the GNMT length penalty.
        attention: attention weights, shape (out_len, src_len): one row per
            generated token (eos included), one column per real source token.
    """

    tokens: list[int]
    log_prob: float
    score: float
    attention: Tensor

    @property
    def probability(self) -> float:
        """The model's probability of this exact output."""
        return math.exp(self.log_prob)


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's length penalty ``((5 + length) / 6) ** alpha`` (Wu et al., 2016)."""
    return ((5 + length) / 6) ** alpha


def make_hypothesis(
    generated: list[int],
    log_prob: float,
    attention: Tensor,
    source_length: int,
    eos_id: int,
    alpha: float,
) -> Hypothesis:
    """Package a finished search row as a hypothesis.

    Args:
        generated: tokens as generated, ending with eos if the row finished.
        log_prob: the row's summed log-probability.
        attention: the row's attention, shape (steps, src_len) with
            steps >= len(generated); later rows and padded columns are cut off.
        source_length: real length of the row's source.
        eos_id: id of the end-of-sequence token.
        alpha: GNMT length penalty exponent; the length counts eos.
    """
    length = len(generated)
    tokens = generated[:-1] if generated and generated[-1] == eos_id else generated
    return Hypothesis(
        tokens=tokens,
        log_prob=log_prob,
        score=log_prob / length_penalty(length, alpha),
        attention=attention[:length, :source_length].clone(),  # out_len x src_len
    )
