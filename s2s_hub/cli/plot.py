"""``s2s-hub plot``: draw a run's learning curve and print it as a table."""

from __future__ import annotations

from pathlib import Path

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import command_parser

HELP = "Draw a run's learning curve (dev metric and perplexity)."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument("run_dir", type=str, help="A run folder of s2s-hub train")
    parser.add_argument(
        "--output",
        type=str | None,
        default=None,
        help="PNG to write (default: RUN_DIR/learning_curve.png)",
    )
    parser.add_argument(
        "--metric",
        type=str | None,
        default=None,
        help="Dev metric to draw (default: the task's selection metric)",
    )
    return parser


def check(args: Namespace) -> None:
    logs = sorted(Path(args.run_dir).glob("logs/version_*/metrics.csv"))
    checks.refuse(
        f"RUN_DIR: {args.run_dir} holds no logs/version_*/metrics.csv"
        if not logs
        else "",
        checks.output_file("--output", args.output),
    )
    columns = {column for log in logs for column in _header(log)}
    metrics = sorted(c.removeprefix("val_") for c in columns if c.startswith("val_"))
    if args.metric is not None and f"val_{args.metric}" not in columns:
        raise ValueError(
            f"--metric must be one the run validated ({', '.join(metrics)}), "
            f"got {args.metric!r}"
        )


def _header(log: Path) -> list[str]:
    with log.open(encoding="utf-8") as handle:
        return handle.readline().strip().split(",")


def run(args: Namespace) -> None:
    from s2s_hub.files import CURVE_FILE
    from s2s_hub.learning_curve import curve_table, plot_curve, read_curve, run_task
    from s2s_hub.registry import get_task

    run_dir = Path(args.run_dir)
    task = run_task(run_dir)
    metric = args.metric or get_task(task).selection_metric
    points = read_curve(run_dir, metric)
    output = Path(args.output or run_dir / CURVE_FILE)
    plot_curve(points, metric, f"{task}: {run_dir.name}", output)
    print(curve_table(points, metric))
    print(f"wrote {output}")
