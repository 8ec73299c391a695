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


def test_a_one_word_task_selected_by_bleu_is_warned_about_in_training(tmp_path, caplog):
    import random
    import string
    from dataclasses import dataclass

    from s2s_hub.registry import Task, register_task
    from s2s_hub.training.config import DistributedConfig, TrainConfig
    from s2s_hub.training.run import train

    @register_task("stall-probe")
    @dataclass(frozen=True)
    class OneWord(Task):
        selection_metric = "bleu"  # sacrebleu's BLEU is 0 for every one-word output
        max_source_tokens = max_target_tokens = 8

        def records(self, split):
            rng = random.Random(split)
            for _ in range(64 if split == "train" else 8):
                word = "".join(rng.choices(string.ascii_lowercase[:4], k=3))
                yield {"source": word, "target": word.upper()}

    config = TrainConfig(
        out_dir=str(tmp_path),
        batch_size=16,
        val_check_interval=4.0,
        max_steps=20,
        max_epochs=100,
        vocab_size=14,
        lr=0.01,
        scheduler="constant",
        logger="csv",
    )
    model = {"hidden_size": 8, "emb_size": 8}
    with caplog.at_level(logging.WARNING, logger="s2s_hub.training.stalled_metric"):
        train(OneWord(), model, config, DistributedConfig("cpu", 1))
    (warning,) = [r for r in caplog.records if "val_bleu has stayed at 0" in r.message]
    assert "selection_metric" in warning.message
