"""Batches of similar-length examples, so that little compute is spent on padding.

Training shuffles all examples, sorts each chunk of ``bucket_batches`` batches' worth
by length, cuts the chunks into batches and shuffles the batch order: batches are
tight yet still random. Evaluation sorts the whole split by length and keeps that
order; ``Batch.index`` tells where each example came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler


class BucketBatchSampler(Sampler[list[int]]):
    """Yields lists of dataset indices, one per batch, for this rank.

    The padded size of a batch is ``len(batch) * max(max(src_len, tgt_len))``; with
    ``max_tokens`` it never exceeds the budget, except for a single example longer
    than the budget, which forms a batch of its own (a batch is never empty).

    The order depends only on ``seed`` and the epoch set by ``set_epoch``, so every
    rank of a DDP job computes the same batches and keeps its own ``rank::replicas``
    share. Shares are made equal by repeating the first batches, because a rank that
    runs out early would leave the others waiting in the gradient all-reduce.

    Args:
        source_lengths: (n,) source length of each example.
        target_lengths: (n,) target length of each example (as padded, with EOS).
        batch_size: most examples in a batch; None for a token budget alone.
        max_tokens: most padded tokens in a batch; None for a fixed batch size.
        shuffle: random chunks and batch order (training) or one length-sorted
            pass (evaluation).
        seed: base of the per-epoch random generator.
        num_replicas: DDP world size.
        rank: this process's DDP rank.
        drop_last: drop the incomplete batch of a fixed batch size, and drop
            surplus batches instead of repeating batches to even out the ranks.
        bucket_batches: how many batches' worth of examples are sorted together;
            larger chunks pad less but shuffle less.
    """

    def __init__(
        self,
        source_lengths: Sequence[int] | np.ndarray,
        target_lengths: Sequence[int] | np.ndarray,
        batch_size: int | None = None,
        max_tokens: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        num_replicas: int = 1,
        rank: int = 0,
        drop_last: bool = False,
        bucket_batches: int = 100,
    ) -> None:
        _check_arguments(batch_size, max_tokens, num_replicas, rank, bucket_batches)
        source_lengths = np.asarray(source_lengths, dtype=np.int64)
        target_lengths = np.asarray(target_lengths, dtype=np.int64)
        if source_lengths.shape != target_lengths.shape:
            raise ValueError("source_lengths and target_lengths differ in length")
        self.sizes = np.maximum(source_lengths, target_lengths)  # (n,)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.shuffle = shuffle
        self.seed = seed
        self.num_replicas = num_replicas
        self.rank = rank
        self.drop_last = drop_last
        self.bucket_batches = bucket_batches
        self.epoch = 0
        self._cache: tuple[int, list[np.ndarray]] | None = None

    def set_epoch(self, epoch: int) -> None:
        """Selects the shuffle of ``epoch``; call it before each training epoch."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self._rank_batches():
            yield batch.tolist()

    def __len__(self) -> int:
        return len(self._rank_batches())

    def _rank_batches(self) -> list[np.ndarray]:
        """This rank's batches of the current epoch, computed once per epoch."""
        if self._cache is None or self._cache[0] != self.epoch:
            batches = _even_out(self._all_batches(), self.num_replicas, self.drop_last)
            self._cache = (self.epoch, batches[self.rank :: self.num_replicas])
        return self._cache[1]

    def _all_batches(self) -> list[np.ndarray]:
        """Every rank's batches of the current epoch, in the order they are run."""
        rng = np.random.default_rng([self.seed, self.epoch])
        n = len(self.sizes)
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        chunk = self._chunk_size() if self.shuffle and n else max(n, 1)
        batches = []
        for start in range(0, n, chunk):
            part = order[start : start + chunk]
            part = part[np.argsort(self.sizes[part], kind="stable")]
            batches.extend(self._cut(part))
        if self.drop_last and self.max_tokens is None:
            batches = [batch for batch in batches if len(batch) == self.batch_size]
        # Evaluation batches are shuffled too (with a fixed seed), so that the first
        # batches, all that ``limit_val_batches`` runs, span every length.
        return [batches[i] for i in rng.permutation(len(batches))]

    def _chunk_size(self) -> int:
        """How many examples are sorted together.

        A multiple of ``batch_size`` when one is set, so that only the last chunk
        can end in an incomplete batch.
        """
        if self.batch_size is not None:
            return self.bucket_batches * self.batch_size
        per_batch = self.max_tokens // max(1, int(self.sizes.mean()))
        return self.bucket_batches * max(1, per_batch)

    def _cut(self, order: np.ndarray) -> list[np.ndarray]:
        """Splits length-sorted indices into consecutive batches within the limits."""
        if self.max_tokens is None:
            return np.split(order, range(self.batch_size, len(order), self.batch_size))
        most = self.batch_size or len(order)
        batches, start, longest = [], 0, 0
        for end, size in enumerate(self.sizes[order].tolist()):
            longest = max(longest, size)
            count = end - start + 1
            if count > 1 and (count > most or count * longest > self.max_tokens):
                batches.append(order[start:end])
                start, longest = end, size
        if start < len(order):
            batches.append(order[start:])
        return batches


def _check_arguments(
    batch_size: int | None,
    max_tokens: int | None,
    num_replicas: int,
    rank: int,
    bucket_batches: int,
) -> None:
    if batch_size is None and max_tokens is None:
        raise ValueError("give batch_size, max_tokens or both")
    for name, value in (("batch_size", batch_size), ("max_tokens", max_tokens)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be positive, got {value}")
    if not 0 <= rank < num_replicas:
        raise ValueError(f"rank {rank} is outside 0..{num_replicas - 1}")
    if bucket_batches < 1:
        raise ValueError(f"bucket_batches must be positive, got {bucket_batches}")


def _even_out(
    batches: list[np.ndarray], replicas: int, drop_last: bool
) -> list[np.ndarray]:
    """Makes the batch count a multiple of ``replicas`` by dropping or repeating."""
    surplus = len(batches) % replicas
    if surplus == 0 or not batches:
        return batches
    if drop_last:
        return batches[: len(batches) - surplus]
    missing = replicas - surplus
    return batches + [batches[i % len(batches)] for i in range(missing)]


def padding_efficiency(
    batches: Sequence[Sequence[int]],
    source_lengths: Sequence[int] | np.ndarray,
    target_lengths: Sequence[int] | np.ndarray,
) -> float:
    """Real tokens over padded tokens, sources and targets together (1.0 = no pad).

    Args:
        batches: index lists, e.g. ``list(sampler)``.
        source_lengths: (n,) source length of each example.
        target_lengths: (n,) target length of each example.
    """
    sides = (np.asarray(source_lengths), np.asarray(target_lengths))
    real = padded = 0
    for batch in batches:
        for lengths in sides:
            sizes = lengths[np.asarray(batch, dtype=np.int64)]
            real += int(sizes.sum())
            padded += len(batch) * int(sizes.max())
    return real / padded if padded else 1.0
