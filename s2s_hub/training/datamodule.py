"""The Lightning data module: a task's splits, tokenized and length-bucketed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

import pytorch_lightning as pl
from torch.utils.data import DataLoader

from s2s_hub.data.bucketing import BucketBatchSampler
from s2s_hub.data.collate import collate
from s2s_hub.data.dataset import TokenizedPairs, check_length_policy
from s2s_hub.data.pairs import Pair
from s2s_hub.registry import SPLITS, Task
from s2s_hub.tokenizer import Tokenizer

# Splits each Trainer stage reads; "dev" is the validation split.
STAGE_SPLITS = {
    "fit": ("train", "dev"),
    "validate": ("dev",),
    "test": ("test",),
    "predict": ("test",),
}


class Seq2SeqDataModule(pl.LightningDataModule):
    """Tokenized train/dev/test splits of a task, batched by ``BucketBatchSampler``.

    The samplers shard batches across DDP ranks themselves, reading the world size
    and rank from the attached trainer. Create the Trainer with
    ``use_distributed_sampler=False``; otherwise Lightning would try to put a
    ``DistributedSampler`` under the bucketing batch sampler.

    Training uses ``length_policy``; dev and test are always truncated, never
    filtered, so that scores cover the whole split (references come from the full
    strings in ``val_pairs``/``test_pairs``, looked up through ``Batch.index``).
    Evaluation batches are sorted by length; ``Batch.index`` restores input order.
    Under DDP a few evaluation batches are repeated to even out the ranks, so
    deduplicate outputs by index. A run resumed from a checkpoint written mid-epoch
    goes on with the batches that epoch had left (see ``_TrainerEpochSampler``).

    Args:
        task: the task whose splits are served.
        tokenizer: the tokenizer shared by source and target.
        batch_size: most training examples in a batch.
        max_tokens: token budget of a training batch (see ``BucketBatchSampler``);
            with it, ``batch_size`` is only an upper bound.
        eval_batch_size: examples in a dev or test batch.
        length_policy: ``"filter"`` or ``"truncate"`` over-long training pairs.
        num_workers: DataLoader worker processes.
        seed: seed of the training shuffle, combined with the epoch.
        limit_train: use only the first N training pairs, for quick runs.
        max_train_length: longest training side in tokens, if below the task's
            limits; dev and test keep the task's limits.
    """

    def __init__(
        self,
        task: Task,
        tokenizer: Tokenizer,
        batch_size: int = 64,
        max_tokens: int | None = None,
        eval_batch_size: int = 128,
        length_policy: str = "filter",
        num_workers: int = 0,
        seed: int = 0,
        limit_train: int | None = None,
        max_train_length: int | None = None,
    ) -> None:
        super().__init__()
        check_length_policy(length_policy)
        self.save_hyperparameters(ignore=["task", "tokenizer"])
        self.task = task
        self.tokenizer = tokenizer
        self.datasets: dict[str, TokenizedPairs] = {}

    @property
    def val_pairs(self) -> Sequence[Pair]:
        """The dev split's pairs; ``Batch.index`` of validation batches points here."""
        return self.datasets["dev"].pairs

    @property
    def test_pairs(self) -> Sequence[Pair]:
        """The test split's pairs; ``Batch.index`` of test batches points here."""
        return self.datasets["test"].pairs

    def setup(self, stage: str | None = None) -> None:
        """Tokenizes the splits ``stage`` needs (all of them for None), once each."""
        splits = STAGE_SPLITS[stage] if stage else SPLITS
        for split in splits:
            if split not in self.datasets:
                self.datasets[split] = self._tokenize(split)

    def _tokenize(self, split: str) -> TokenizedPairs:
        pairs = self.task.pairs(split)
        policy = self.hparams.length_policy
        max_source, max_target = (
            self.task.max_source_tokens,
            self.task.max_target_tokens,
        )
        if split == "train":
            pairs = pairs[: self.hparams.limit_train]
            cap = self.hparams.max_train_length or max(max_source, max_target)
            max_source, max_target = min(max_source, cap), min(max_target, cap)
        else:
            policy = "truncate"
        return TokenizedPairs(
            pairs,
            self.tokenizer,
            max_source,
            max_target,
            policy=policy,
            split=split,
            keep_source_end=self.task.keep_source_end,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(
            "train",
            shuffle=True,
            batch_size=self.hparams.batch_size,
            max_tokens=self.hparams.max_tokens,
        )

    def val_dataloader(self) -> DataLoader:
        return self._eval_loader("dev")

    def test_dataloader(self) -> DataLoader:
        return self._eval_loader("test")

    def _eval_loader(self, split: str) -> DataLoader:
        return self._loader(
            split, shuffle=False, batch_size=self.hparams.eval_batch_size
        )

    def _loader(self, split: str, shuffle: bool, **limits: Any) -> DataLoader:
        """A DataLoader over ``split`` whose batches are ``Batch`` objects."""
        dataset = self.datasets[split]
        options = dict(
            source_lengths=dataset.source_lengths,
            target_lengths=dataset.target_lengths,
            shuffle=shuffle,
            seed=self.hparams.seed,
            **limits,
        )
        if self.trainer is None:
            sampler = BucketBatchSampler(**options)
        else:
            sampler = _TrainerEpochSampler(
                self.trainer,
                num_replicas=self.trainer.world_size,
                rank=self.trainer.global_rank,
                **options,
            )
        workers = self.hparams.num_workers
        # only the training pass has a place worth resuming from
        resumable = shuffle and self.trainer is not None
        loader = _ResumableLoader if resumable else DataLoader
        return loader(
            dataset,
            batch_sampler=sampler,
            collate_fn=partial(
                collate, pad_id=self.tokenizer.pad_id, bos_id=self.tokenizer.bos_id
            ),
            num_workers=workers,
            persistent_workers=workers > 0,
        )


class _TrainerEpochSampler(BucketBatchSampler):
    """A bucket sampler that takes its epoch from the trainer before each pass,
    and that can resume a pass where a checkpoint left it.

    Lightning calls ``set_epoch`` on a DataLoader's ``sampler`` and on its batch
    sampler's ``sampler``, never on the batch sampler itself, so it would not
    reach ours.

    A run resumed from a mid-epoch checkpoint would otherwise start the epoch's
    batches from the top while Lightning counts on from the batch it stopped at:
    the first batches would be trained twice and the last ones never. The state
    (epoch, batches done) travels in the checkpoint through ``_ResumableLoader``,
    and the first pass after loading it skips the batches already trained, so the
    resumed run sees exactly the batches an uninterrupted run would have.
    """

    def __init__(self, trainer: pl.Trainer, **options: Any) -> None:
        super().__init__(**options)
        self._trainer = trainer
        self._resume_at: tuple[int, int] | None = None  # (epoch, batches done)

    def __iter__(self) -> Iterator[list[int]]:
        epoch, done = self._resume_at or (self._trainer.current_epoch, 0)
        self._resume_at = None
        self.set_epoch(epoch)
        # batches are chosen now, not at the first next(): Lightning asks for len()
        # in between, which sets the trainer's epoch, a different one on resuming
        batches = self._rank_batches()[done:]
        return (batch.tolist() for batch in batches)

    def __len__(self) -> int:
        self.set_epoch(self._trainer.current_epoch)
        return super().__len__()

    def state_dict(self) -> dict[str, int]:
        """Where training stands: the epoch of the next batch and the batches of
        that epoch already trained.

        A checkpoint written after an epoch's last batch points at the start of
        the next epoch: Lightning resumes it with the iterator it makes before it
        advances its own epoch counter.
        """
        epoch = self._trainer.current_epoch
        done = self._trainer.fit_loop.epoch_loop.batch_progress.current.ready
        if done >= self._trainer.num_training_batches:
            epoch, done = epoch + 1, 0
        return {"epoch": epoch, "batches": done}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self._resume_at = (state["epoch"], state["batches"])


class _ResumableLoader(DataLoader):
    """A DataLoader with ``state_dict``/``load_state_dict``, which Lightning saves in
    and restores from checkpoints; the state is the batch sampler's."""

    def state_dict(self) -> dict[str, int]:
        return self.batch_sampler.state_dict()

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.batch_sampler.load_state_dict(state)
