"""Decoding settings shared by ``predict``, evaluation, the Hub card and the demo."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

METHODS = ("greedy", "beam", "sample")


@dataclass(frozen=True)
class DecodeConfig:
    """How to turn a model's step distributions into output sequences.

    Attributes:
        method: greedy, beam or sample.
        beam_size: Hypotheses kept per sentence (beam search).
        n_best: Outputs returned per sentence: the best beams (beam search) or
            samples (sampling); greedy search always returns one.
        length_penalty: GNMT's alpha: hypotheses are ranked by log_prob / ((5 +
            length) / 6) ** alpha (Wu et al., 2016); 0 disables it.
        min_length: Fewest generated tokens before eos is allowed.
        max_length: Most generated tokens, eos included.
        no_repeat_ngram_size: Forbid repeating any n-gram of this size (0: off).
        temperature: Divides the logits before sampling (sampling only).
        top_k: Sample among the k likeliest tokens only (0: all).
        top_p: Sample among the likeliest tokens whose probabilities sum to p
            (nucleus sampling; 1: all).
        seed: Random seed of sampling, for outputs that can be reproduced (unset:
            a fresh draw each time).
    """

    method: str = "beam"
    beam_size: int = 5
    n_best: int = 1
    length_penalty: float = 1.0
    min_length: int = 0
    max_length: int = 100
    no_repeat_ngram_size: int = 0
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    seed: int | None = None

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError("invalid decoding settings: " + "; ".join(problems))

    def _problems(self) -> Iterator[str]:
        """Every broken setting, so that one error lists them all."""
        if self.method not in METHODS:
            yield f"method must be one of {METHODS}, got {self.method!r}"
        if self.beam_size < 1:
            yield f"beam_size must be >= 1, got {self.beam_size}"
        if self.n_best < 1:
            yield f"n_best must be >= 1, got {self.n_best}"
        elif self.method == "beam" and self.n_best > self.beam_size:
            yield f"n_best must be <= beam_size ({self.beam_size}), got {self.n_best}"
        if self.length_penalty < 0:
            yield f"length_penalty must be >= 0, got {self.length_penalty}"
        if self.max_length < 1:
            yield f"max_length must be >= 1, got {self.max_length}"
        if not 0 <= self.min_length <= self.max_length:
            yield (
                f"need 0 <= min_length <= max_length, got {self.min_length} and "
                f"{self.max_length}"
            )
        if self.no_repeat_ngram_size < 0:
            yield f"no_repeat_ngram_size must be >= 0, got {self.no_repeat_ngram_size}"
        if self.temperature <= 0:
            yield f"temperature must be > 0, got {self.temperature}"
        if self.top_k < 0:
            yield f"top_k must be >= 0, got {self.top_k}"
        if not 0 < self.top_p <= 1:
            yield f"top_p must be in (0, 1], got {self.top_p}"
        if self.seed is not None and not 0 <= self.seed < 2**32:
            yield f"seed must be in [0, 2**32), got {self.seed}"
