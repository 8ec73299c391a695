"""``s2s-hub plot``: draw a run's learning curve and print it as a table."""

from __future__ import annotations

from pathlib import Path

from jsonargparse import ArgumentParser, Namespace

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


def run(args: Namespace) -> None:
    from s2s_hub.files import CURVE_FILE
    from s2s_hub.registry import get_task
    from s2s_hub.training.curve import curve_table, plot_curve, read_curve, run_task

    run_dir = Path(args.run_dir)
    task = run_task(run_dir)
    metric = args.metric or get_task(task).selection_metric
    points = read_curve(run_dir, metric)
    output = Path(args.output or run_dir / CURVE_FILE)
    plot_curve(points, metric, f"{task}: {run_dir.name}", output)
    print(curve_table(points, metric))
    print(f"wrote {output}")
