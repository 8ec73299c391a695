"""A warning for a selection metric that cannot see the model learn.

``best.ckpt`` is the checkpoint with the best ``val_<selection_metric>``. A metric
that does not fit the task's outputs stays where it started while the model learns
(sacrebleu's BLEU is 0 for every one-word output, right or wrong), so the kept
checkpoint is the first one and the model that ships has learned nothing. The loss
tells the two apart: falling while the metric stands still.
"""

from __future__ import annotations

import logging
import math

import pytorch_lightning as pl

log = logging.getLogger(__name__)

#: validations in a row the metric may stand still while the loss falls
PATIENCE = 4


class StalledMetricWarning(pl.Callback):
    """Warns once when ``val_<metric>`` has not moved for ``patience`` validations
    in a row while ``val_loss`` fell over them.

    Args:
        metric: the task's selection metric, without the ``val_`` prefix.
        patience: how many unchanged validations make a stall.
    """

    def __init__(self, metric: str, patience: int = PATIENCE) -> None:
        self.metric = metric
        self.patience = patience
        self.history: list[tuple[float, float]] = []  # (metric, loss) per validation
        self.warned = False

    def on_validation_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule
    ) -> None:
        metrics = trainer.callback_metrics
        value, loss = metrics.get(f"val_{self.metric}"), metrics.get("val_loss")
        if trainer.sanity_checking or self.warned or value is None or loss is None:
            return
        self.history.append((float(value), float(loss)))
        if self.stalled() and trainer.is_global_zero:
            self.warned = True
            log.warning(self.message())

    def stalled(self) -> bool:
        """The last ``patience`` validations give the metric the value it had
        before them, and the loss ended lower than it started."""
        if len(self.history) <= self.patience:
            return False
        stretch = self.history[-self.patience - 1 :]
        first_value, first_loss = stretch[0]
        unchanged = all(math.isclose(v, first_value) for v, _ in stretch)
        return unchanged and stretch[-1][1] < first_loss

    def message(self) -> str:
        value, first_loss = self.history[-self.patience - 1]
        last_loss = self.history[-1][1]
        return (
            f"val_{self.metric} has stayed at {value:.4g} for {self.patience} "
            f"validations while val_loss fell from {first_loss:.4g} to "
            f"{last_loss:.4g}: best.ckpt is chosen by {self.metric}, so it keeps an "
            f"early checkpoint. If {self.metric} cannot judge this task's outputs "
            "(BLEU is 0 for any one-word output), set the task's selection_metric "
            "to one that can: 'exact' (s2s_hub.scoring.metrics.exact_match), 'cer' "
            "(character_error_rate, with selection_mode = 'min') or 'ppl' (with "
            "selection_mode = 'min'); docs/plugins.md lists them."
        )
