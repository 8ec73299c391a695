"""Decoding settings shared by ``predict``, evaluation, the Hub card and the demo."""

from __future__ import annotations

from dataclasses import dataclass

METHODS = ("greedy", "beam", "sample")


@dataclass(frozen=True)
class DecodeConfig:
    """How to turn a model's step distributions into output sequences.

    ``length_penalty`` is GNMT's alpha: hypotheses are ranked by
    ``log_prob / ((5 + length) / 6) ** alpha`` (Wu et al., 2016); 0 disables it.
    ``top_k=0`` and ``top_p=1`` disable those filters.
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
        problems = []
        if self.method not in METHODS:
            problems.append(f"method must be one of {METHODS}, got {self.method!r}")
        if self.beam_size < 1:
            problems.append(f"beam_size must be >= 1, got {self.beam_size}")
        if not 1 <= self.n_best <= max(self.beam_size, 1 if self.method != "beam" else 0):
            if self.method == "beam":
                problems.append(
                    f"n_best must be in 1..beam_size ({self.beam_size}), "
                    f"got {self.n_best}"
                )
            elif self.n_best < 1:
                problems.append(f"n_best must be >= 1, got {self.n_best}")
        if self.length_penalty < 0:
            problems.append(f"length_penalty must be >= 0, got {self.length_penalty}")
        if not 0 <= self.min_length <= self.max_length:
            problems.append(
                f"need 0 <= min_length <= max_length, got {self.min_length} and "
                f"{self.max_length}"
            )
        if self.max_length < 1:
            problems.append(f"max_length must be >= 1, got {self.max_length}")
        if self.no_repeat_ngram_size < 0:
            problems.append("no_repeat_ngram_size must be >= 0")
        if self.temperature <= 0:
            problems.append(f"temperature must be > 0, got {self.temperature}")
        if self.top_k < 0:
            problems.append(f"top_k must be >= 0, got {self.top_k}")
        if not 0 < self.top_p <= 1:
            problems.append(f"top_p must be in (0, 1], got {self.top_p}")
        if problems:
            raise ValueError("invalid decoding settings: " + "; ".join(problems))
