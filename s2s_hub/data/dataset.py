"""Pairs tokenized once and held compactly, with over-long examples handled by policy.

Token ids of a split live in two flat ``int32`` arrays (sources, targets) with offsets,
instead of one Python list per example: a million pairs then cost a few dozen MB and
pickle cheaply to DataLoader workers. Every example that is truncated, filtered or
dropped for being empty is counted, logged with the split name and kept in ``report``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple, Protocol

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from s2s_hub.data.pairs import LENGTH_POLICIES, LengthPolicy, Pair

log = logging.getLogger(__name__)

_OUTCOME = {"truncate": "truncated", "filter": "filtered"}


def check_length_policy(policy: str) -> LengthPolicy:
    """``policy`` if it names a length policy, else a ``ValueError`` listing them."""
    if policy not in LENGTH_POLICIES:
        raise ValueError(
            f"length policy must be one of {LENGTH_POLICIES}, got {policy!r}"
        )
    return policy


class TextEncoder(Protocol):
    """The part of ``s2s_hub.tokenizer.Tokenizer`` a dataset needs."""

    eos_id: int

    def encode_batch(self, texts: list[str]) -> list[list[int]]: ...


class Example(NamedTuple):
    """One tokenized pair.

    Attributes:
        source: source ids, shape (src_len,), without BOS or EOS.
        target: target ids followed by EOS, shape (tgt_len + 1,).
        index: position of the pair in the list the dataset was built from, so that
            its reference text can be looked up after length sorting.
    """

    source: Tensor
    target: Tensor
    index: int


@dataclass(frozen=True)
class _Packed:
    """Variable-length id sequences stored as one flat array plus offsets."""

    ids: np.ndarray  # (total_tokens,) int32
    offsets: np.ndarray  # (n + 1,) int64

    @classmethod
    def pack(cls, sequences: Sequence[Sequence[int]]) -> _Packed:
        lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
        offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.fromiter(chain.from_iterable(sequences), np.int32, int(offsets[-1]))
        return cls(ids, offsets)

    def __getitem__(self, i: int) -> Tensor:
        start, end = self.offsets[i], self.offsets[i + 1]
        return torch.from_numpy(self.ids[start:end]).long()

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


def encoder_input(
    ids: list[int], limit: int, eos_id: int, keep_end: bool = False
) -> list[int]:
    """What the encoder reads: at most ``limit`` tokens, the last one EOS.

    Training and prediction both build sources here, so they cannot disagree.
    ``keep_end`` keeps the last tokens instead of the first.
    """
    room = max(limit - 1, 0)
    body = ids[max(len(ids) - room, 0) :] if keep_end else ids[:room]
    return body + [eos_id]


class TokenizedPairs(Dataset[Example]):
    """A split's pairs as token ids, ready for length bucketing.

    Args:
        pairs: the split's (source, target) texts.
        tokenizer: anything with ``encode_batch`` and ``eos_id``.
        max_source_tokens: longest source kept, in tokens, counting its EOS.
        max_target_tokens: longest target kept, in tokens, not counting EOS.
        policy: ``"truncate"`` cuts over-long sides to the limit; ``"filter"`` drops
            the pair.
        split: name used in the log message.
        keep_source_end: truncate sources from the start (dialogue: keep the
            newest turns) instead of from the end.

    Attributes:
        pairs: the ``pairs`` argument; ``Example.index`` points into it.
        source_lengths: (n,) source lengths of kept examples, for bucketing.
        target_lengths: (n,) target lengths of kept examples including EOS, i.e. the
            width of ``tgt_in``/``tgt_out`` in a batch.
        report: counts ``pairs``, ``kept``, ``empty``, ``truncated``, ``filtered``.
    """

    def __init__(
        self,
        pairs: Sequence[Pair],
        tokenizer: TextEncoder,
        max_source_tokens: int,
        max_target_tokens: int,
        policy: LengthPolicy = "filter",
        split: str = "train",
        keep_source_end: bool = False,
    ) -> None:
        policy = check_length_policy(policy)
        self.pairs = pairs
        sources = tokenizer.encode_batch([pair.source for pair in pairs])
        targets = tokenizer.encode_batch([pair.target for pair in pairs])
        kept, self.report = _apply_limits(
            sources, targets, max_source_tokens - 1, max_target_tokens, policy
        )
        self._indices = np.asarray(kept, dtype=np.int64)
        self._sources = _Packed.pack(
            [
                encoder_input(
                    sources[i], max_source_tokens, tokenizer.eos_id, keep_source_end
                )
                for i in kept
            ]
        )
        eos = [tokenizer.eos_id]
        self._targets = _Packed.pack(
            [targets[i][:max_target_tokens] + eos for i in kept]
        )
        self.source_lengths = self._sources.lengths
        self.target_lengths = self._targets.lengths
        _log_report(self.report, split, policy)

    def __len__(self) -> int:
        return len(self._indices)

    def __getitem__(self, i: int) -> Example:
        return Example(self._sources[i], self._targets[i], int(self._indices[i]))


def _apply_limits(
    sources: list[list[int]],
    targets: list[list[int]],
    max_source: int,
    max_target: int,
    policy: LengthPolicy,
) -> tuple[list[int], dict[str, int]]:
    """Indices of the pairs to keep and the counts of what happened to the rest."""
    report = {"pairs": len(sources), "empty": 0, "truncated": 0, "filtered": 0}
    kept = []
    for i, (source, target) in enumerate(zip(sources, targets, strict=True)):
        if not source or not target:
            report["empty"] += 1
            continue
        if len(source) > max_source or len(target) > max_target:
            report[_OUTCOME[policy]] += 1
            if policy == "filter":
                continue
        kept.append(i)
    report["kept"] = len(kept)
    return kept, report


def _log_report(report: dict[str, int], split: str, policy: LengthPolicy) -> None:
    changed = report["empty"] + report["truncated"] + report["filtered"]
    message = (
        "%s split: kept %d of %d pairs (length policy %r): "
        "%d truncated, %d filtered as too long, %d dropped as empty"
    )
    (log.warning if changed else log.info)(
        message,
        split,
        report["kept"],
        report["pairs"],
        policy,
        report["truncated"],
        report["filtered"],
        report["empty"],
    )
