"""Validation every N steps keeps its rhythm across epochs shorter than N steps, as
the large batches of a GPU recipe make them."""

import csv
import warnings

from s2s_hub.registry import get_task
from s2s_hub.training.config import DistributedConfig, TrainConfig
from s2s_hub.training.run import train


def test_validation_every_n_steps_spans_epochs_shorter_than_n(tmp_path):
    task = get_task("reverse", train_size=100, eval_size=8, length=5)  # 3 batches
    config = TrainConfig(
        out_dir=str(tmp_path),
        batch_size=48,
        val_check_interval=5.0,  # as the CLI hands an integer over
        max_steps=12,
        max_epochs=100,
        vocab_size=20,
        logger="csv",
    )
    model = {"hidden_size": 16, "emb_size": 8}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(task, model, config, DistributedConfig("cpu", 1))
    # the first epochs end before the first validation: the plateau schedule,
    # stepped after validations only, must not ask Lightning for val_loss there
    assert not [w for w in caught if "ReduceLROnPlateau" in str(w.message)]
    (log,) = tmp_path.glob("logs/version_*/metrics.csv")
    with log.open() as file:
        steps = [int(row["step"]) for row in csv.DictReader(file) if row["val_loss"]]
    assert steps == [4, 9]  # after the 5th and the 10th step, mid-epoch
