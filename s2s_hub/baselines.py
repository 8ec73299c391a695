"""Trivial systems that a task's model must beat, scored as the model is.

A score means little alone: copying an English source already earns BLEU 8.7
against German references of software descriptions, and the first words of a
package description already earn ROUGE-L 26 against its synopsis. Each task
declares its baseline (``Task.baseline``) and ``s2s-hub evaluate`` and the model
cards print it beside the model's scores.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from s2s_hub.tokenizer import Tokenizer


@dataclass(frozen=True)
class Baseline:
    """A trivial system's scores on one split.

    Attributes:
        name: what the system does, e.g. ``copy source`` or ``lead-12 words``.
        scores: metric name -> value, on the scale of the model's scores.
    """

    name: str
    scores: dict[str, float]

    def to_dict(self) -> dict:
        return {"name": self.name, "scores": dict(self.scores)}


def lead_words(text: str, k: int) -> str:
    """The first ``k`` whitespace words of ``text``."""
    return " ".join(text.split()[:k])


def best_lead(
    sources: Sequence[str],
    references: Sequence[str],
    score: Callable[[list[str], list[str]], float],
    candidates: Sequence[int] = range(1, 31),
) -> int:
    """The ``k`` whose lead-k outputs score best: chosen on dev, applied to test."""
    return max(
        candidates,
        key=lambda k: (
            score([lead_words(s, k) for s in sources], list(references)),
            -k,
        ),
    )


def unigram_perplexity(
    tokenizer: Tokenizer,
    train_targets: Sequence[str],
    targets: Sequence[str],
    max_tokens: int,
) -> float:
    """Perplexity of ``targets`` under add-one-smoothed token frequencies of
    ``train_targets``: a model that ignores the source. Tokens and the end of
    sentence are counted exactly as the model's perplexity counts them (targets cut
    to ``max_tokens``, then EOS), so the two numbers compare."""
    eos = tokenizer.eos_id

    def tokens(texts: Sequence[str]) -> list[int]:
        return [
            token
            for ids in tokenizer.encode_batch(list(texts))
            for token in ids[:max_tokens] + [eos]
        ]

    counts = Counter(tokens(train_targets))
    total = sum(counts.values()) + tokenizer.vocab_size
    held_out = tokens(targets)
    nll = -sum(math.log((counts[t] + 1) / total) for t in held_out) / len(held_out)
    return math.exp(nll)
