"""BucketBatchSampler: coverage, tight batches, token budget, determinism, DDP."""

from __future__ import annotations

import numpy as np
import pytest

from s2s_hub.data.bucketing import BucketBatchSampler, padding_efficiency

N = 1000


@pytest.fixture(scope="module")
def lengths() -> tuple[np.ndarray, np.ndarray]:
    """Skewed lengths: mostly short examples with a long tail, like real text."""
    rng = np.random.default_rng(0)
    source = np.clip(rng.lognormal(2.5, 0.7, N), 1, 200).astype(int)
    target = np.maximum(1, source + rng.integers(-3, 4, N))
    return source, target


def sampler(lengths, **options) -> BucketBatchSampler:
    return BucketBatchSampler(*lengths, **{"bucket_batches": 10, **options})


def flat(batches: list[list[int]]) -> list[int]:
    return [i for batch in batches for i in batch]


@pytest.mark.parametrize(
    "limits",
    [{"batch_size": 16}, {"max_tokens": 400}, {"batch_size": 8, "max_tokens": 400}],
)
@pytest.mark.parametrize("shuffle", [True, False])
def test_every_index_appears_once_per_epoch(lengths, limits, shuffle) -> None:
    batches = list(sampler(lengths, shuffle=shuffle, **limits))
    assert sorted(flat(batches)) == list(range(N))
    assert all(batches)
    assert len(batches) == len(sampler(lengths, shuffle=shuffle, **limits))


def test_buckets_pad_far_less_than_random_batches(lengths) -> None:
    bucketed = list(sampler(lengths, batch_size=8, bucket_batches=50))
    order = np.random.default_rng(1).permutation(N)
    random = [order[i : i + 8] for i in range(0, N, 8)]
    tight = padding_efficiency(bucketed, *lengths)
    loose = padding_efficiency(random, *lengths)
    print(f"padding efficiency: bucketed {tight:.3f}, random {loose:.3f}")
    assert tight > 0.8
    assert tight > loose + 0.3


def test_token_budget_is_respected(lengths) -> None:
    sizes = np.maximum(*lengths)
    for batch in sampler(lengths, max_tokens=400):
        assert len(batch) * sizes[batch].max() <= 400


def test_example_longer_than_the_budget_gets_a_batch_of_its_own() -> None:
    batches = list(BucketBatchSampler([2, 50, 2, 3], [2, 1, 3, 3], max_tokens=10))
    assert [1] in batches
    assert sorted(flat(batches)) == [0, 1, 2, 3]


def test_same_seed_and_epoch_repeat_and_epochs_differ(lengths) -> None:
    first, second = sampler(lengths, batch_size=16), sampler(lengths, batch_size=16)
    first.set_epoch(3)
    second.set_epoch(3)
    assert list(first) == list(second)
    second.set_epoch(4)
    assert list(first) != list(second)
    assert list(first) != list(sampler(lengths, batch_size=16, seed=1))


def test_evaluation_batches_are_sorted_inside_and_spread_in_order(lengths) -> None:
    batches = list(sampler(lengths, batch_size=16, shuffle=False))
    sizes = np.maximum(*lengths)
    assert all((np.diff(sizes[batch]) >= 0).all() for batch in batches)
    assert sorted(flat(batches)) == list(range(N))
    assert batches == list(sampler(lengths, batch_size=16, shuffle=False))
    first = [sizes[b].max() for b in batches[: len(batches) // 4]]
    assert max(first) > np.median(sizes)  # a prefix is not just the short ones


@pytest.mark.parametrize("limits", [{"batch_size": 10}, {"max_tokens": 300}])
def test_ddp_ranks_get_disjoint_equal_shares(lengths, limits) -> None:
    whole = list(sampler(lengths, **limits))
    ranks = [list(sampler(lengths, num_replicas=2, rank=r, **limits)) for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == -(-len(whole) // 2)
    assert not set(flat(ranks[0][: len(whole) // 2])) & set(flat(ranks[1]))
    assert set(flat(ranks[0])) | set(flat(ranks[1])) == set(range(N))


def test_ddp_repeats_or_drops_batches_to_even_out_ranks() -> None:
    lengths = ([1] * 5, [1] * 5)  # 5 batches of one for 2 ranks
    shares = [
        BucketBatchSampler(*lengths, batch_size=1, num_replicas=2, rank=r)
        for r in (0, 1)
    ]
    assert [len(share) for share in shares] == [3, 3]
    assert len(flat(list(shares[0])) + flat(list(shares[1]))) == 6
    dropped = [
        BucketBatchSampler(
            *lengths, batch_size=1, num_replicas=2, rank=r, drop_last=True
        )
        for r in (0, 1)
    ]
    assert sorted(flat(list(dropped[0])) + flat(list(dropped[1]))) != list(range(5))
    assert [len(share) for share in dropped] == [2, 2]


def test_drop_last_keeps_only_full_batches(lengths) -> None:
    batches = list(sampler(lengths, batch_size=16, drop_last=True))
    assert {len(batch) for batch in batches} == {16}
    assert len(batches) == N // 16


def test_empty_dataset_has_no_batches() -> None:
    assert list(BucketBatchSampler([], [], batch_size=4)) == []
    assert list(BucketBatchSampler([], [], max_tokens=40, num_replicas=2)) == []


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"batch_size": 0},
        {"max_tokens": -1},
        {"batch_size": 4, "rank": 2, "num_replicas": 2},
    ],
)
def test_bad_arguments_are_rejected(options) -> None:
    with pytest.raises(ValueError):
        BucketBatchSampler([1, 2], [1, 2], **options)
