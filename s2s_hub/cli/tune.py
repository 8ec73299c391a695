"""``s2s-hub tune``: choose a model's decoding settings on the dev split, one
grid of overrides.

    s2s-hub tune MODEL length_penalty=0.6,1.0,1.2 min_length=2,6
    s2s-hub tune MODEL temperature=.5,.8 --by unseen_words --mode min

Each ``FIELD=V1,V2`` names a ``DecodeConfig`` field and the values to try over the
model's own decoding; every combination is decoded on the whole dev split
(``s2s_hub.evaluation.tuning``). Prints one line per combination, best first by the
task's selection metric (or ``--by``), then the winner as JSON: copy it into the
task's ``decoding`` before export.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import command_parser

HELP = "Choose a model's decoding settings on the dev split from a grid."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument(
        "model", type=str, help="A .ckpt file, an exported folder or a Hub repo id"
    )
    parser.add_argument(
        "grid", type=str, nargs="+", help="FIELD=V1,V2 ... (DecodeConfig fields)"
    )
    parser.add_argument(
        "--by",
        type=str | None,
        default=None,
        help="Metric to choose by (default: the task's selection metric)",
    )
    parser.add_argument(
        "--mode",
        type=str | None,
        default=None,
        help="max or min: whether the best has the highest or lowest --by",
    )
    return parser


def check(args: Namespace) -> None:
    from s2s_hub.evaluation.tuning import parse_grid

    try:
        parse_grid(args.grid)
        grid = ""
    except ValueError as error:
        grid = f"GRID: {error}"
    checks.refuse(
        checks.model_source("MODEL", args.model),
        grid,
        checks.one_of("--mode", args.mode, ("max", "min")),
    )


def run(args: Namespace) -> None:
    from s2s_hub.evaluation.tuning import SPLIT, parse_grid, tune
    from s2s_hub.hub import load

    # --by is checked against the model's task once it is loaded
    trials = tune(load(args.model), parse_grid(args.grid), args.by, args.mode)
    for trial in trials:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in trial.scores.items())
        print(f"{trial.overrides}: {SPLIT} {shown}")
    print(json.dumps(asdict(trials[0].config)))
