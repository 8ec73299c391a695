"""Wall-clock minutes of training, logged at every validation: the x axis of a
learning curve that compares recipes by what they cost, not by their steps."""

from __future__ import annotations

import time
from typing import Any

import pytorch_lightning as pl


class TrainingClock(pl.Callback):
    """Logs ``train_minutes`` with each validation's metrics (a checkpoint keeps
    them under ``files.CLOCK_KEY``: ``files.checkpoint_minutes``).

    The minutes count the fit's wall-clock time, validation included, and survive
    ``--resume``: the callback's state travels in the checkpoint, so a run continued
    in a later session goes on from the minutes it had reached.
    """

    def __init__(self) -> None:
        self.minutes_before = 0.0
        self._started = time.monotonic()

    @property
    def minutes(self) -> float:
        return self.minutes_before + (time.monotonic() - self._started) / 60

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._started = time.monotonic()

    def on_validation_epoch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule
    ) -> None:
        if not trainer.sanity_checking:
            pl_module.log("train_minutes", self.minutes)

    def state_dict(self) -> dict[str, Any]:
        return {"minutes": self.minutes}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.minutes_before = float(state_dict["minutes"])
        self._started = time.monotonic()
