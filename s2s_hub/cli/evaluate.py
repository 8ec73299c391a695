"""``s2s-hub evaluate``: score a model on a split of its task, beside the
task's baseline."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.decoding import (
    decode_config,
    decode_parser,
    decoding_problems,
    load_predictor,
)

if TYPE_CHECKING:
    from s2s_hub.evaluation.run import Evaluation

HELP = "Score a checkpoint on a split of its task."


def parser() -> ArgumentParser:
    parser = decode_parser(HELP)
    parser.add_argument("--split", type=str, default="test", help="train, dev or test")
    parser.add_argument(
        "--limit", type=int | None, default=None, help="Score only the first N examples"
    )
    parser.add_argument(
        "--output",
        type=str | None,
        default=None,
        help="Write scores (JSON) and hypotheses (.txt beside it)",
    )
    parser.add_argument(
        "--baselines",
        type=bool,
        default=True,
        help="Score the task's baselines beside the model (false: the model only, "
        "e.g. to compare precisions)",
    )
    parser.add_argument(
        "--data_dir",
        type=str | None,
        default=None,
        help="Folder of {split}.tsv/.jsonl[.gz] to score on instead",
    )
    return parser


def check(args: Namespace) -> None:
    checks.refuse(
        *decoding_problems(args),
        checks.one_of("--split", args.split, ("train", "dev", "test")),
        checks.at_least("--limit", args.limit, 1),
        checks.output_file("--output", args.output),
        checks.folder("--data_dir", args.data_dir),
    )


def run(args: Namespace) -> None:
    from s2s_hub.evaluation.run import evaluate
    from s2s_hub.predictor import Predictor

    predictor = load_predictor(args)
    # baselines learn from the model's own data, whatever folder is scored
    own_task = predictor.task
    if args.data_dir:
        task = replace(predictor.task, data_dir=args.data_dir)
        predictor = Predictor(
            predictor.model,
            predictor.tokenizer,
            task,
            predictor.decoding,
            predictor.serving,
        )
    config = decode_config(args, predictor.decoding)
    result = evaluate(
        predictor,
        args.split,
        config,
        args.limit,
        with_baseline=args.baselines,
        baseline_task=own_task,
    )
    print(json.dumps(result.to_dict(), indent=2))
    print(side_by_side(result), file=sys.stderr)
    for table in part_tables(result):
        print(f"\n{table}", file=sys.stderr)
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
        out.with_suffix(".txt").write_text("\n".join(result.hypotheses) + "\n")


def side_by_side(result: Evaluation) -> str:
    """The model's scores beside each baseline's, as a small table for people."""
    baselines = result.scored_baselines() or [{"name": "none declared", "scores": {}}]
    columns = ["baseline"] + [f"baseline {i}" for i in range(2, len(baselines) + 1)]
    names = [b["name"] for b in baselines]
    if len(names) > 1:
        names = [
            f"{column}: {name}" for column, name in zip(columns, names, strict=True)
        ]
    labels = {name: f"{result.split} {name}" for name in result.scores}
    width = max(len("metric"), *map(len, labels.values()))
    header = f"{'metric':<{width}} {'model':>10}"
    header += "".join(f" {column:>10}" for column in columns)
    rows = [f"{header}   ({'; '.join(names)})"]
    for name, value in result.scores.items():
        shown = ""
        for baseline in baselines:
            other = baseline["scores"].get(name)
            shown += f" {other:>10.2f}" if other is not None else f" {'—':>10}"
        rows.append(f"{labels[name]:<{width}} {value:>10.2f}{shown}")
    return "\n".join(rows)


def part_tables(result: Evaluation) -> list[str]:
    """``side_by_side`` for each part of the split the run scored, under its name."""
    return [
        f"{name} ({part['examples']} examples)\n"
        + side_by_side(
            replace(result, split=f"{result.split} {name}", baseline=None, **part)
        )
        for name, part in result.parts.items()
    ]
