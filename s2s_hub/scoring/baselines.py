"""Trivial systems that a task's model must beat, scored as the model is.

A score means little alone: copying an English source already earns BLEU 8.7
against German references of software descriptions, and the first words of a
package description already earn ROUGE-L 26 against its synopsis. Each task
declares its baselines (``Task.baselines``) and ``s2s-hub evaluate`` and the model
cards print them beside the model's scores.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from s2s_hub.tokenizer import Tokenizer

# Queries a translation memory scores at once: a block's scores take
# 4 bytes x MEMORY_BLOCK x the memory's size (43 MB for 670k sources).
MEMORY_BLOCK = 16


@dataclass(frozen=True)
class Baseline:
    """A trivial system's scores on one split.

    Attributes:
        name: what the system does, e.g. ``copy source`` or ``lead-12 words``.
        scores: metric name -> value, on the scale of the model's scores; empty if
            skipped.
        skipped: why it could not be scored (the data it learns from is missing),
            or ``""``.
    """

    name: str
    scores: dict[str, float]
    skipped: str = ""

    def to_dict(self) -> dict:
        result = {"name": self.name, "scores": dict(self.scores)}
        return {**result, "skipped": self.skipped} if self.skipped else result


def unless_missing(name: str, make: Callable[[], Baseline]) -> Baseline:
    """``make()``, or a skipped :class:`Baseline` named ``name`` if a split it
    learns from is missing (``FileNotFoundError``)."""
    try:
        return make()
    except FileNotFoundError as error:
        return Baseline(name, {}, skipped=str(error))


class TranslationMemory:
    """The target of the most similar training source: what translators of software
    get from their tools before they translate a new string.

    Similarity is ``rapidfuzz.fuzz.ratio`` on characters (the Indel distance
    normalised by both lengths, 0-100); an exact source returns its own target, and
    ties go to the first training pair.
    """

    def __init__(self, sources: Sequence[str], targets: Sequence[str]) -> None:
        if len(sources) != len(targets) or not sources:
            raise ValueError("a translation memory needs as many targets as sources")
        self.sources = list(sources)
        self.targets = list(targets)
        self.exact: dict[str, int] = {}
        for index, source in enumerate(self.sources):
            self.exact.setdefault(source, index)
        # the matches found so far: a split and its parts are searched once
        self.found = dict(self.exact)

    def match(self, query: str) -> tuple[int, float]:
        """The index of the most similar training source and its similarity."""
        if query in self.exact:
            return self.exact[query], 100.0
        _, score, index = process.extractOne(
            query, self.sources, scorer=fuzz.ratio, processor=None
        )
        return index, score

    def translate(self, queries: Sequence[str]) -> list[str]:
        """The targets :meth:`match` picks, found for many queries at once:
        ``cdist`` scores a block of queries against every source on all cores."""
        found = self.found
        pending = [q for q in dict.fromkeys(queries) if q not in found]
        for start in range(0, len(pending), MEMORY_BLOCK):
            block = pending[start : start + MEMORY_BLOCK]
            scores = process.cdist(  # len(block) x len(sources)
                block,
                self.sources,
                scorer=fuzz.ratio,
                processor=None,
                dtype=np.float32,
                workers=-1,
            )
            found.update(zip(block, scores.argmax(axis=1).tolist(), strict=True))
        return [self.targets[found[query]] for query in queries]


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
