"""Checkpoint averaging: the mean of a run's last weights, a cheap ensemble.

Adam at a constant rate leaves the weights wandering around a minimum; the mean of
several checkpoints taken minutes apart sits nearer its centre, and usually scores
better than any of them (Vaswani et al. 2017 average the last 5 or 20; Joey NMT and
fairseq ship a script for it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from s2s_hub.files import (
    AVERAGED_KEY,
    CLOCK_KEY,
    STATE_KEY,
    checkpoint_minutes,
    read_checkpoint,
)

# what only resuming needs: an average (or a checkpoint brought back from another
# machine) is a model to evaluate or export, not a run to continue
TRAINING_STATE_KEYS = ("optimizer_states", "lr_schedulers", "loops", "callbacks")


def average_checkpoints(paths: list[Path]) -> dict[str, Any]:
    """A checkpoint whose weights are the mean of ``paths``' weights; the rest
    (tokenizer, hyper-parameters, step) is the newest one's (the last path).

    Raises:
        ValueError: fewer than two paths, or checkpoints of different models.
    """
    if len(paths) < 2:
        raise ValueError(f"averaging needs two checkpoints or more, got {len(paths)}")
    newest = read_checkpoint(paths[-1])
    total = {k: v.double() for k, v in newest[STATE_KEY].items()}
    steps = []
    for path in paths[:-1]:
        checkpoint = read_checkpoint(path)
        steps.append(checkpoint.get("global_step"))
        weights = checkpoint[STATE_KEY]
        if weights.keys() != total.keys() or any(
            weights[k].shape != total[k].shape for k in total
        ):
            raise ValueError(f"{path} holds another model than {paths[-1]}")
        for name, value in weights.items():
            total[name] += value.double()
    averaged = {
        name: (value / len(paths)).to(newest[STATE_KEY][name].dtype)
        for name, value in total.items()
    }
    steps.append(newest.get("global_step"))
    return {**without_training_state(newest), STATE_KEY: averaged, AVERAGED_KEY: steps}


def without_training_state(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint as a model to evaluate or export: no optimizer, scheduler or
    loop state (two thirds of a run's file), but the clock, which places it on the
    run's learning curve."""
    kept = {k: v for k, v in checkpoint.items() if k not in TRAINING_STATE_KEYS}
    kept["callbacks"] = {CLOCK_KEY: {"minutes": checkpoint_minutes(checkpoint)}}
    return kept


def halved(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint with float16 weights: what a bundled model stores anyway, at
    half the bytes to move (loading casts them back to the model's float32).

    Tied weights (one tensor under two names) stay one tensor: cast one by one,
    each name would get its own copy and the file would grow by a vocabulary's
    embedding matrix.
    """
    cast: dict[tuple, torch.Tensor] = {}
    weights = {}
    for name, value in checkpoint[STATE_KEY].items():
        if not value.is_floating_point():
            weights[name] = value
            continue
        key = (value.data_ptr(), value.shape, value.stride())
        weights[name] = cast.setdefault(key, value.half())
    return {**checkpoint, STATE_KEY: weights}


def save_average(paths: list[Path], out: Path) -> Path:
    torch.save(average_checkpoints(paths), out)
    return out
