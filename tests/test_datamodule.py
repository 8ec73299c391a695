"""Seq2SeqDataModule on a generated toy task with a real (tiny) SentencePiece model."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import pytorch_lightning as pl
import torch

from s2s_hub.data.collate import Batch
from s2s_hub.registry import Task
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.datamodule import Seq2SeqDataModule

WORDS = ["red", "green", "blue", "cat", "dog", "fish", "one", "two", "three", "four"]
SPLIT_SIZES = {"train": 40, "dev": 12, "test": 9}


@dataclass(frozen=True)
class ToyTask(Task):
    """Reverse a short word sequence; generated, never registered."""

    max_source_tokens = 64
    max_target_tokens = 64

    def records(self, split: str) -> Iterator[dict[str, str]]:
        rng = random.Random(split)
        for _ in range(SPLIT_SIZES[split]):
            words = rng.choices(WORDS, k=rng.randint(1, 6))
            yield {"source": " ".join(words), "target": " ".join(reversed(words))}


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    texts = [pair.source for pair in ToyTask().pairs("train")]
    return Tokenizer.train(texts, vocab_size=30, model_type="bpe", byte_fallback=False)


def datamodule(tokenizer: Tokenizer, **options) -> Seq2SeqDataModule:
    options = {"batch_size": 4, "eval_batch_size": 5, **options}
    return Seq2SeqDataModule(ToyTask(), tokenizer, **options)


def test_batch_index_maps_back_to_the_pair(tokenizer) -> None:
    data = datamodule(tokenizer)
    data.setup("fit")
    seen = []
    for batch in data.val_dataloader():
        assert isinstance(batch, Batch)
        for row, index in enumerate(batch.index.tolist()):
            pair = data.val_pairs[index]
            length = int(batch.src_lengths[row])
            eos = [tokenizer.eos_id]
            assert (
                batch.src[row, :length].tolist() == tokenizer.encode(pair.source) + eos
            )
            target = batch.tgt_out[row][batch.tgt_out[row] != tokenizer.pad_id]
            assert target.tolist() == tokenizer.encode(pair.target) + eos
            seen.append(index)
    assert sorted(seen) == list(range(SPLIT_SIZES["dev"]))


def test_setup_builds_only_the_splits_a_stage_needs(tokenizer) -> None:
    data = datamodule(tokenizer, limit_train=7)
    data.setup("test")
    assert set(data.datasets) == {"test"}
    assert len(data.test_pairs) == SPLIT_SIZES["test"]
    data.setup("fit")
    assert set(data.datasets) == {"train", "dev", "test"}
    assert data.datasets["train"].pairs == ToyTask().pairs("train")[:7]


def test_max_train_length_caps_training_pairs_only(tokenizer) -> None:
    data = datamodule(tokenizer, max_train_length=4)
    data.setup()
    train, dev = data.datasets["train"], data.datasets["dev"]
    assert max(train.source_lengths.max(), train.target_lengths.max()) <= 4 + 1
    assert 0 < len(train) < len(train.pairs)
    assert len(dev) == len(dev.pairs) and dev.target_lengths.max() > 5


def test_unknown_length_policy_fails_at_construction(tokenizer) -> None:
    with pytest.raises(ValueError, match="length policy"):
        datamodule(tokenizer, length_policy="clip")


def test_training_batches_are_sharded_by_the_trainer_rank(tokenizer) -> None:
    data = datamodule(tokenizer)
    data.setup("fit")
    shares = []
    for rank in (0, 1):
        data.trainer = SimpleNamespace(world_size=2, global_rank=rank, current_epoch=0)
        shares.append([batch.index.tolist() for batch in data.train_dataloader()])
    assert len(shares[0]) == len(shares[1]) == SPLIT_SIZES["train"] // 4 // 2
    indices = [[i for batch in share for i in batch] for share in shares]
    assert not set(indices[0]) & set(indices[1])
    assert sorted(indices[0] + indices[1]) == list(range(SPLIT_SIZES["train"]))


class Recorder(pl.LightningModule):
    """Records the example indices of every training batch, by epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.epochs: dict[int, list[int]] = {}

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        self.epochs.setdefault(self.current_epoch, []).extend(batch.index.tolist())
        return self.weight.sum() * batch.n_tokens

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        assert isinstance(batch, Batch)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_trainer_reshuffles_every_epoch_and_covers_all_pairs(tokenizer) -> None:
    model = Recorder()
    trainer = pl.Trainer(
        max_epochs=2,
        use_distributed_sampler=False,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(model, datamodule=datamodule(tokenizer))
    first, second = model.epochs[0], model.epochs[1]
    assert sorted(first) == sorted(second) == list(range(SPLIT_SIZES["train"]))
    assert first != second
