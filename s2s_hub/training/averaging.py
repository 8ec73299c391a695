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

from s2s_hub.files import AVERAGED_KEY, STATE_KEY, read_checkpoint
from s2s_hub.training.clock import CLOCK_KEY, checkpoint_minutes

# what only resuming needs: an average is a model to evaluate or export, not a run
# to continue
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
    kept = {k: v for k, v in newest.items() if k not in TRAINING_STATE_KEYS}
    # the clock places the average on the run's learning curve
    kept["callbacks"] = {CLOCK_KEY: {"minutes": checkpoint_minutes(newest)}}
    steps.append(newest.get("global_step"))
    return {**kept, STATE_KEY: averaged, AVERAGED_KEY: steps}


def save_average(paths: list[Path], out: Path) -> Path:
    torch.save(average_checkpoints(paths), out)
    return out
