"""``s2s-hub data prepare``: rebuild a task's shipped data splits from their
sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import build_task, command_parser

HELP = "Rebuild a task's shipped data splits from their sources."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument("task", type=str, help="Registered task name")
    parser.add_argument(
        "--out",
        type=str | None,
        default=None,
        help="Output folder (default: the task's data folder)",
    )
    parser.add_argument(
        "--task_options", type=dict[str, Any], default={}, help="Task options"
    )
    return parser


def check(args: Namespace) -> None:
    build_task(args.task, args.task_options or {})
    checks.refuse(checks.output_folder("--out", args.out))


def run(args: Namespace) -> None:
    from s2s_hub.registry import get_task

    task = get_task(args.task, **(args.task_options or {}))
    out = Path(args.out) if args.out else task.default_data_dir()
    counts = task.prepare(out)
    print(json.dumps({"task": task.name, "out": str(out), "counts": counts}, indent=2))
