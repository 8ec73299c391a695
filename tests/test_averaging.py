"""Checkpoint averaging: the mean of the weights, the newest one's everything else."""

from pathlib import Path

import pytest
import torch

from s2s_hub.files import (
    AVERAGED_KEY,
    CLOCK_KEY,
    HPARAMS_KEY,
    STATE_KEY,
    TOKENIZER_KEY,
    read_checkpoint,
    training_info,
)
from s2s_hub.training.averaging import (
    average_checkpoints,
    halved,
    save_average,
    without_training_state,
)


def checkpoint(path: Path, weight: list[float], step: int) -> Path:
    torch.save(
        {
            TOKENIZER_KEY: b"tokenizer",
            HPARAMS_KEY: {"task": "reverse"},
            STATE_KEY: {"model.w": torch.tensor(weight)},
            "global_step": step,
            "optimizer_states": [{"lr": 0.1}],
            "callbacks": {CLOCK_KEY: {"minutes": step / 10}, "Other": {"x": 1}},
        },
        path,
    )
    return path


def test_the_average_holds_the_mean_weights_and_the_newest_step(tmp_path):
    paths = [
        checkpoint(tmp_path / f"{step}.ckpt", weight, step)
        for step, weight in ((100, [1.0, 2.0]), (200, [3.0, 4.0]), (300, [5.0, 9.0]))
    ]
    out = save_average(paths, tmp_path / "averaged.ckpt")
    averaged = read_checkpoint(out)  # loads like any checkpoint of the run
    assert torch.equal(averaged[STATE_KEY]["model.w"], torch.tensor([3.0, 5.0]))
    assert averaged["global_step"] == 300
    assert "optimizer_states" not in averaged  # an average is not resumed
    assert averaged[AVERAGED_KEY] == [100, 200, 300]
    assert training_info(averaged)[AVERAGED_KEY] == [100, 200, 300]  # in the card
    # the newest minutes place it on the learning curve; other callbacks' state goes
    assert averaged["callbacks"] == {CLOCK_KEY: {"minutes": 30.0}}


def test_checkpoints_of_different_models_or_a_single_one_are_refused(tmp_path):
    small = checkpoint(tmp_path / "a.ckpt", [1.0], 1)
    large = checkpoint(tmp_path / "b.ckpt", [1.0, 2.0], 2)
    with pytest.raises(ValueError, match="another model"):
        average_checkpoints([small, large])
    with pytest.raises(ValueError, match="two checkpoints or more"):
        average_checkpoints([small])


def test_a_model_checkpoint_is_float16_without_training_state_and_stays_tied(
    tmp_path,
):
    shared = torch.randn(6, 4)
    full = {
        **read_checkpoint(checkpoint(tmp_path / "run.ckpt", [1.0], 700)),
        STATE_KEY: {
            "model.embedding": shared,
            "model.output": shared,  # tied: one tensor under two names
            "model.count": torch.tensor([3]),
        },
    }
    small = halved(without_training_state(full))
    weights = small[STATE_KEY]
    assert weights["model.embedding"].dtype == torch.float16
    assert torch.allclose(weights["model.output"].float(), shared, atol=1e-2)
    assert weights["model.count"].dtype == torch.int64
    assert weights["model.embedding"] is weights["model.output"]
    assert "optimizer_states" not in small
    assert small["callbacks"] == {CLOCK_KEY: {"minutes": 70.0}}
    assert small["global_step"] == 700
    torch.save(small, tmp_path / "small.ckpt")  # one copy on disk too
    loaded = read_checkpoint(tmp_path / "small.ckpt")[STATE_KEY]
    assert loaded["model.embedding"].data_ptr() == loaded["model.output"].data_ptr()
