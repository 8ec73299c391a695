"""Learning-rate schedules: reduce on a validation plateau, or warm up then decay."""

from __future__ import annotations

from typing import Any

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR, ReduceLROnPlateau

from s2s_hub.training.config import SCHEDULERS

NEVER = 2**62  # a scheduling frequency no run reaches


def inverse_sqrt_warmup(warmup_steps: int):
    """Linear warm-up to the base rate, then ``sqrt(warmup / step)`` decay
    (Vaswani et al., 2017), as a factor of the base learning rate."""

    def factor(step: int) -> float:
        step = max(step, 1)
        if step < warmup_steps:
            return step / warmup_steps
        return (warmup_steps / step) ** 0.5

    return factor


def build_scheduler(optimizer: Optimizer, hparams: Any) -> dict[str, Any]:
    """Lightning's ``configure_optimizers`` dict for ``hparams.scheduler``."""
    kind = hparams.scheduler
    if kind == "constant":
        return {"optimizer": optimizer}
    if kind == "warmup":
        schedule = LambdaLR(optimizer, inverse_sqrt_warmup(hparams.warmup_steps))
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": schedule, "interval": "step"},
        }
    if kind == "plateau":
        schedule = ReduceLROnPlateau(
            optimizer,
            mode="min",
            factor=hparams.plateau_factor,
            patience=hparams.plateau_patience,
        )
        return {
            "optimizer": optimizer,
            # stepped after each validation (``Seq2SeqSystem._step_plateau``), never
            # by Lightning at an epoch's end: the epoch count never reaches this
            # frequency, so an epoch that ends before the first validation of a run
            # that validates by steps logs no "val_loss ... not available" warning
            "lr_scheduler": {
                "scheduler": schedule,
                "monitor": "val_loss",
                "frequency": NEVER,
            },
        }
    raise ValueError(f"scheduler must be one of {SCHEDULERS}, got {kind!r}")
