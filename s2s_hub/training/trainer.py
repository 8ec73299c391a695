"""The Lightning ``Trainer`` of a run: its checkpoints (``best.ckpt`` by the task's
selection metric, ``last.ckpt`` for ``--resume``), loggers, callbacks and validation
schedule, from a recipe and the hardware it runs on."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import (
    EarlyStopping,
    LearningRateMonitor,
    ModelCheckpoint,
)
from pytorch_lightning.loggers import CSVLogger, Logger, TensorBoardLogger

from s2s_hub.learning_curve import LOG_EVERY_N_STEPS
from s2s_hub.registry import Task
from s2s_hub.training.checkpoint_io import AtomicCheckpointIO
from s2s_hub.training.clock import TrainingClock
from s2s_hub.training.config import DistributedConfig, TrainConfig
from s2s_hub.training.stalled_metric import StalledMetricWarning


def build_loggers(config: TrainConfig, folder: Path) -> list[Logger]:
    loggers: list[Logger] = []
    if config.logger in ("csv", "both"):
        loggers.append(CSVLogger(folder, name="logs"))
    if config.logger in ("tensorboard", "both"):
        loggers.append(TensorBoardLogger(folder, name="tensorboard"))
    return loggers


def build_checkpoints(
    task: Task, config: TrainConfig, folder: Path
) -> list[ModelCheckpoint]:
    """``best.ckpt`` by the task's selection metric, and ``last.ckpt`` for
    ``--resume``.

    Exactly one callback owns ``last.ckpt``: two callbacks that both save "last"
    make Lightning write ``last-v1.ckpt`` beside it, and a resume could then start
    from the older of the two. With ``checkpoint_every_n_steps`` the periodic
    callback owns it (a killed run loses at most that many steps); without, the best
    one does. The first callback is the one ``trainer.checkpoint_callback`` returns.

    Neither adds a version suffix: a run folder belongs to one run, and a copy of
    it, resumed elsewhere (a fine-tuning that keeps the optimizer state), must go
    on writing the ``last.ckpt`` that ``--resume`` reads, not ``last-v1.ckpt``.
    """
    periodic = config.checkpoint_every_n_steps
    checkpoints = [
        ModelCheckpoint(
            dirpath=folder / "checkpoints",
            filename="best",
            monitor=f"val_{task.selection_metric}",
            mode=task.selection_mode,
            save_top_k=1,
            save_last=not periodic,
            enable_version_counter=False,
        )
    ]
    if periodic:
        checkpoints.append(
            ModelCheckpoint(
                dirpath=folder / "checkpoints",
                save_top_k=0,
                save_last=True,
                every_n_train_steps=periodic,
                enable_version_counter=False,
            )
        )
    return checkpoints


def build_trainer(
    task: Task, config: TrainConfig, hardware: DistributedConfig, folder: Path
) -> pl.Trainer:
    monitor, mode = f"val_{task.selection_metric}", task.selection_mode
    callbacks: list[pl.Callback] = [
        *build_checkpoints(task, config, folder),
        LearningRateMonitor(logging_interval="step"),
        TrainingClock(),
        StalledMetricWarning(task.selection_metric),
    ]
    if config.early_stopping_patience > 0:
        callbacks.append(
            EarlyStopping(monitor, mode=mode, patience=config.early_stopping_patience)
        )
    return pl.Trainer(
        **asdict(hardware),
        max_epochs=config.max_epochs,
        max_steps=config.max_steps,
        max_time=config.max_time,
        **validation_schedule(config.val_check_interval),
        limit_val_batches=config.limit_val_batches,
        gradient_clip_val=config.gradient_clip_val or None,
        precision=config.precision,
        callbacks=callbacks,
        plugins=[AtomicCheckpointIO()],
        logger=build_loggers(config, folder),
        use_distributed_sampler=False,
        log_every_n_steps=LOG_EVERY_N_STEPS,
        default_root_dir=folder,
    )


def validation_schedule(interval: float) -> dict[str, Any]:
    """Lightning's arguments for validating every ``interval`` steps (above 1; the
    CLI may parse it as a float) or fractions of an epoch (up to 1).

    Steps are counted across epochs: an epoch of large batches (a GPU recipe) may be
    shorter than the interval, which Lightning refuses when it counts per epoch.
    """
    if interval > 1:
        return {"val_check_interval": int(interval), "check_val_every_n_epoch": None}
    return {"val_check_interval": interval, "check_val_every_n_epoch": 1}
