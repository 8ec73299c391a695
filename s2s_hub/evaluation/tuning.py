"""Choosing a model's decoding settings on the dev split.

A task ships with one decoding, and a length penalty or minimum length that suits
one model may not suit the next: ``s2s-hub tune`` tries a grid on dev
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


def tune(
    predictor: Predictor,
    grid: dict[str, list],
    metric: str | None = None,
    mode: str | None = None,
) -> list[Trial]:
    """Every combination of ``grid`` over the predictor's decoding, decoded on the
    whole dev split and scored with the task's metrics (perplexity and ranking
    metrics do not depend on decoding: not computed), best first by ``metric``
    (default: the task's selection metric) in ``mode`` ("max" or "min"; default:
    the selection metric's, else "max").

    A task whose selection metric does not depend on decoding (dialogue ranks
    replies) still has decoding metrics to choose by, such as its made-up words.
    """
    task = predictor.task
    metric = metric or task.selection_metric
    default_mode = task.selection_mode if metric == task.selection_metric else "max"
    mode = mode or default_mode
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be max or min, got {mode!r}")
    pairs = task.pairs(SPLIT)
    sources, references = [p.source for p in pairs], [p.target for p in pairs]
    trials = []
    for values in itertools.product(*grid.values()):
        overrides = dict(zip(grid, values, strict=True))
        config = replace(predictor.decoding, **overrides)
        hypotheses = predictor.translate(sources, config)
        scores = task.metrics(hypotheses, references, sources)
        if metric not in scores:
            raise ValueError(
                f"{metric} does not depend on decoding or is not one of "
                f"{task.name}'s metrics ({', '.join(scores)}): choose by one of those"
            )
        trials.append(Trial(config, overrides, scores))
    sign = 1 if mode == "max" else -1
    return sorted(trials, key=lambda t: -sign * t.scores[metric])
