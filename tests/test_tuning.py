"""Decoding settings chosen on dev: the grid parses strictly, every combination is
decoded, and the winner is the best by the task's selection metric."""

from __future__ import annotations

from dataclasses import replace

import pytest

from s2s_hub import load
from s2s_hub.evaluation.tuning import parse_grid, tune
from tests.conftest import ROOT


def test_grid_values_take_the_field_types() -> None:
    grid = parse_grid(["length_penalty=0.6,1", "min_length=2,6", "seed=3"])
    assert grid == {"length_penalty": [0.6, 1.0], "min_length": [2, 6], "seed": [3]}
    assert isinstance(grid["length_penalty"][1], float)


@pytest.mark.parametrize("argument", ["beam=5", "min_length=", "min_length=two"])
def test_bad_grid_fails_before_decoding(argument: str) -> None:
    with pytest.raises(ValueError):
        parse_grid([argument])


def test_trials_cover_the_grid_best_first() -> None:
    """The bundled reverse model is exact with room to write its output and
    cannot be with two tokens: the grid must rank the first above the second."""
    predictor = load(ROOT / "checkpoints" / "reverse")
    trials = tune(predictor, {"max_length": [2, 40], "method": ["greedy", "beam"]})
    assert {tuple(t.overrides.values()) for t in trials} == {
        (2, "greedy"),
        (2, "beam"),
        (40, "greedy"),
        (40, "beam"),
    }
    exact = [t.scores["exact"] for t in trials]
    assert exact[:2] == [100.0, 100.0] and max(exact[2:]) < 10
    best = trials[0]
    assert best.overrides["max_length"] == 40
    assert best.config == replace(predictor.decoding, **best.overrides)


def test_trials_rank_by_another_metric_in_either_direction() -> None:
    predictor = load(ROOT / "checkpoints" / "reverse")
    grid = {"max_length": [2, 40]}
    worst_first = tune(predictor, grid, metric="exact", mode="min")
    assert [t.overrides["max_length"] for t in worst_first] == [2, 40]
    with pytest.raises(ValueError, match="not one of reverse's metrics"):
        tune(predictor, grid, metric="ppl")
