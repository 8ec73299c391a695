"""A training run killed with SIGKILL resumes from ``last.ckpt`` and loses nothing.

The toy run has 13 batches an epoch, validates at each epoch's end and writes
``last.ckpt`` every 7 steps; the kill lands mid-epoch after a periodic save that
followed a validation save, and the resumed run must end at the same step, with the
same weights and loss as a run that was never interrupted.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from pytorch_lightning.callbacks import ModelCheckpoint

from s2s_hub.registry import get_task
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.checkpoint_io import AtomicCheckpointIO
from s2s_hub.training.config import DistributedConfig, TrainConfig
from s2s_hub.training.datamodule import Seq2SeqDataModule
from s2s_hub.training.trainer import build_trainer

MAX_STEPS, EVERY = 56, 7
TASK_OPTIONS = '{"train_size": 600, "eval_size": 24, "length": 5}'
TRAIN = [
    sys.executable, "-m", "s2s_hub.cli.main", "train",
    "--task", "reverse", "--task_options", TASK_OPTIONS,
    "--model.hidden_size", "16", "--model.emb_size", "8", "--model.dropout", "0",
    "--train.batch_size", "48", "--train.max_epochs", "100",
    "--train.max_steps", str(MAX_STEPS), "--train.checkpoint_every_n_steps", str(EVERY),
    "--train.vocab_size", "20", "--train.seed", "3", "--train.logger", "csv",
    "--accelerator", "cpu", "--devices", "1",
]  # fmt: skip
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
TOY = get_task("reverse", train_size=200, eval_size=4)  # 13 batches of 16


def train(out: Path, *extra: str) -> subprocess.Popen:
    """Start ``s2s-hub train`` into ``out``; its stderr goes to ``log_of(out)``."""
    with log_of(out).open("a") as log:
        return subprocess.Popen(
            [*TRAIN, "--train.out_dir", str(out), *extra],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=ENV,
        )


def log_of(out: Path) -> Path:
    return out.with_suffix(".log")


def finish(process: subprocess.Popen, out: Path) -> str:
    """Wait for a training run to succeed; returns its stderr."""
    process.wait(timeout=240)
    stderr = log_of(out).read_text()
    assert process.returncode == 0, stderr[-3000:]
    return stderr


def last_checkpoint(out: Path) -> dict:
    return torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)


def last_train_loss(out: Path) -> tuple[int, float]:
    """(step, train_loss) of the newest logged training loss of the newest run."""
    logs = max((out / "logs").glob("version_*/metrics.csv"), key=os.path.getmtime)
    rows = [row for row in csv.DictReader(logs.open()) if row.get("train_loss")]
    return int(rows[-1]["step"]), float(rows[-1]["train_loss"])


def kill_after_a_periodic_save_that_follows_validation(
    process: subprocess.Popen, out: Path
) -> None:
    """SIGKILL once ``last.ckpt`` is newer than the first validation's
    ``best.ckpt`` (step 13, the end of the first epoch): the case where two
    callbacks writing "last" once resumed from the older file."""
    folder = out / "checkpoints"
    deadline = time.monotonic() + 180
    while not (folder / "best.ckpt").exists() or _step(folder / "last.ckpt") <= 13:
        assert process.poll() is None, log_of(out).read_text()[-3000:]
        assert time.monotonic() < deadline, "no periodic save after validation"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _step(checkpoint: Path) -> int:
    """The step ``checkpoint`` holds; -1 while none is there (saves are atomic)."""
    if not checkpoint.exists():
        return -1
    return torch.load(checkpoint, weights_only=True)["global_step"]


def test_run_killed_mid_epoch_resumes_to_the_uninterrupted_result(tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    uninterrupted, victim = train(straight), train(killed)
    try:
        kill_after_a_periodic_save_that_follows_validation(victim, killed)
        finish(uninterrupted, straight)
    finally:
        for process in (uninterrupted, victim):
            if process.poll() is None:
                process.kill()
    stopped_at = last_checkpoint(killed)["global_step"]
    assert 13 < stopped_at < MAX_STEPS
    assert [p.name for p in (killed / "checkpoints").glob("last*")] == ["last.ckpt"]

    stderr = finish(train(killed, "--resume", "true"), killed)
    assert "not resumable" not in stderr  # Lightning's warning for lost data order

    expected, resumed = last_checkpoint(straight), last_checkpoint(killed)
    assert resumed["global_step"] == expected["global_step"] == MAX_STEPS
    for name, weight in expected["state_dict"].items():
        torch.testing.assert_close(resumed["state_dict"][name], weight)
    step, loss = last_train_loss(straight)
    assert last_train_loss(killed) == (step, pytest.approx(loss, rel=1e-3))


def test_a_copied_run_folder_resumes_in_its_new_place(tmp_path):
    """Copying a run and resuming the copy continues it with its optimizer state;
    the copy's checkpoints keep their names, so a later resume finds the newest."""
    first, copy = tmp_path / "first", tmp_path / "copy"
    finish(train(first, "--train.max_steps", "14"), first)
    shutil.copytree(first, copy)
    more = ("--train.max_steps", "28", "--resume", "true")
    finish(train(copy, *more), copy)
    names = sorted(p.name for p in (copy / "checkpoints").iterdir())
    assert names == ["best.ckpt", "last.ckpt"]
    assert last_checkpoint(copy)["global_step"] == 28
    assert last_checkpoint(first)["global_step"] == 14


def test_trainer_writes_atomically_and_every_n_steps(tmp_path):
    config = TrainConfig(checkpoint_every_n_steps=EVERY)
    trainer = build_trainer(
        get_task("reverse"), config, DistributedConfig("cpu", 1), tmp_path
    )
    assert isinstance(trainer.strategy.checkpoint_io, AtomicCheckpointIO)
    periodic = [
        callback
        for callback in trainer.callbacks
        if isinstance(callback, ModelCheckpoint) and callback.monitor is None
    ]
    assert [(c._every_n_train_steps, c.save_last) for c in periodic] == [(EVERY, True)]


class FakeTrainer(SimpleNamespace):
    """What the training data reads of a Lightning trainer: its epoch and place."""

    def __init__(self, epoch: int, done: int = 0, batches: int = 13) -> None:
        progress = SimpleNamespace(current=SimpleNamespace(ready=done))
        super().__init__(
            current_epoch=epoch,
            fit_loop=SimpleNamespace(
                epoch_loop=SimpleNamespace(batch_progress=progress)
            ),
            num_training_batches=batches,
            world_size=1,
            global_rank=0,
        )


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    texts = [text for pair in TOY.pairs("train") for text in pair]
    return Tokenizer.train(texts, vocab_size=20, byte_fallback=False)


def training_loader(trainer: FakeTrainer, tokenizer: Tokenizer):
    """The training DataLoader of 200 toy pairs in batches of 16: 13 a pass."""
    data = Seq2SeqDataModule(TOY, tokenizer, batch_size=16)
    data.trainer = trainer
    data.setup("fit")
    return data.train_dataloader()


def batches(loader) -> list[list[int]]:
    return [batch.index.tolist() for batch in loader]


def test_a_resumed_epoch_goes_on_with_the_batches_it_had_left(tokenizer):
    epoch_2 = batches(training_loader(FakeTrainer(epoch=2), tokenizer))
    assert len(epoch_2) == 13
    state = training_loader(FakeTrainer(epoch=2, done=5), tokenizer).state_dict()
    assert state == {"epoch": 2, "batches": 5}
    resumed = training_loader(FakeTrainer(epoch=2), tokenizer)
    resumed.load_state_dict(state)
    assert batches(resumed) == epoch_2[5:]
    assert batches(resumed) == epoch_2  # the skip applies to one pass only


def test_a_checkpoint_after_an_epoch_s_last_batch_resumes_at_the_next_epoch(
    tokenizer,
):
    epoch_3 = batches(training_loader(FakeTrainer(epoch=3), tokenizer))
    state = training_loader(FakeTrainer(epoch=2, done=13), tokenizer).state_dict()
    assert state == {"epoch": 3, "batches": 0}
    # Lightning makes the first iterator before it moves its epoch counter on
    resumed = training_loader(FakeTrainer(epoch=2), tokenizer)
    resumed.load_state_dict(state)
    assert batches(resumed) == epoch_3
