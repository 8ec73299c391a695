"""Choosing a model's decoding settings on the dev split.

A task ships with one decoding, and a length penalty or minimum length that suits
one model may not suit the next: ``scripts/tune_decoding.py`` tries a grid on dev
before export. Test is never decoded here: choosing on it would overstate the
scores the card reports.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields, replace

from s2s_hub.predictor import Predictor
from s2s_hub.search.config import DecodeConfig

SPLIT = "dev"


@dataclass(frozen=True)
class Trial:
    config: DecodeConfig
    overrides: dict
    scores: dict[str, float]


def parse_grid(arguments: list[str]) -> dict[str, list]:
    """``{"length_penalty": [0.6, 1.0]}`` from ``length_penalty=0.6,1.0``, each value
    cast to the field's type, so that a typo fails before an hour of decoding."""
    defaults = DecodeConfig()
    # seed defaults to None: its values are integers
    types = {f.name: type(getattr(defaults, f.name) or 0) for f in fields(DecodeConfig)}
    grid = {}
    for argument in arguments:
        name, _, values = argument.partition("=")
        if name not in types or not values:
            raise ValueError(
                f"expected FIELD=V1,V2 with FIELD one of {sorted(types)}, "
                f"got {argument!r}"
            )
        grid[name] = [types[name](v) for v in values.split(",")]
    return grid


def tune(predictor: Predictor, grid: dict[str, list]) -> list[Trial]:
    """Every combination of ``grid`` over the predictor's decoding, decoded on the
    whole dev split and scored with the task's metrics (perplexity and ranking
    metrics do not depend on decoding: not computed), best first by the task's
    selection metric."""
    task = predictor.task
    pairs = task.pairs(SPLIT)
    sources, references = [p.source for p in pairs], [p.target for p in pairs]
    trials = []
    for values in itertools.product(*grid.values()):
        overrides = dict(zip(grid, values, strict=True))
        config = replace(predictor.decoding, **overrides)
        hypotheses = predictor.translate(sources, config)
        scores = task.metrics(hypotheses, references, sources)
        if task.selection_metric not in scores:
            raise ValueError(
                f"{task.name} selects by {task.selection_metric}, which does not "
                "depend on decoding: nothing to tune"
            )
        trials.append(Trial(config, overrides, scores))
    sign = 1 if task.selection_mode == "max" else -1
    return sorted(trials, key=lambda t: -sign * t.scores[task.selection_metric])
