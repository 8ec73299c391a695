"""The warning for a selection metric that stands still while the loss falls."""

import logging
from types import SimpleNamespace

import torch

from s2s_hub.training.stalled_metric import StalledMetricWarning


def validate(callback: StalledMetricWarning, value: float, loss: float) -> None:
    trainer = SimpleNamespace(
        callback_metrics={
            "val_bleu": torch.tensor(value),
            "val_loss": torch.tensor(loss),
        },
        sanity_checking=False,
        is_global_zero=True,
    )
    callback.on_validation_end(trainer, None)


def test_warns_once_naming_the_metric_and_the_way_out(caplog):
    callback = StalledMetricWarning("bleu", patience=3)
    with caplog.at_level(logging.WARNING):
        for loss in (3.8, 3.0, 2.2, 1.5, 1.2, 1.0, 0.9):
            validate(callback, 0.0, loss)
    (record,) = caplog.records
    assert "val_bleu has stayed at 0 for 3 validations" in record.message
    assert "from 3.8 to 1.5" in record.message
    assert "selection_metric" in record.message and "'exact'" in record.message


def test_a_moving_metric_or_a_flat_loss_is_no_stall(caplog):
    moving = StalledMetricWarning("bleu", patience=2)
    flat_loss = StalledMetricWarning("bleu", patience=2)
    with caplog.at_level(logging.WARNING):
        for step in range(6):
            validate(moving, [0.0, 0.0, 1.0, 1.0, 2.0, 2.0][step], 3.0 - step)
            validate(flat_loss, 5.0, 2.0 + 0.1 * step)
    assert not caplog.records
