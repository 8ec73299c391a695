"""A run's learning curve, read from its own CSV logs and drawn as a PNG.

Every validation row of ``logs/version_*/metrics.csv`` (one folder per sitting: a
``--resume`` starts a new one) becomes a point; ``TrainingClock`` gives its
wall-clock minutes, so a curve shows what a score cost, not only how many steps.
A run started with ``--train.init_from`` a checkpoint of another run (say at a lower
learning rate) continues that run's curve, from the step and minute it left.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from matplotlib.figure import Figure

from s2s_hub.files import START_FILE

LOG_EVERY_N_STEPS = 10  # the trainer's: where a resumed sitting's rows begin


@dataclass(frozen=True)
class CurvePoint:
    """One validation: where training was and what the dev split said."""

    step: int
    minutes: float
    metric: float
    ppl: float


def run_task(run_dir: Path) -> str:
    """The task a run trained, from the hyper-parameters its logger wrote."""
    for path in sorted(Path(run_dir).glob("logs/version_*/hparams.yaml")):
        hparams = yaml.safe_load(path.read_text("utf-8")) or {}
        if "task" in hparams:
            return hparams["task"]
    raise FileNotFoundError(f"{run_dir}: no logs/version_*/hparams.yaml naming a task")


@dataclass(frozen=True)
class RunStart:
    """The checkpoint of another run that a run started from."""

    run: str
    step: int
    minutes: float


def record_start(folder: Path, path: Path, checkpoint: dict[str, Any]) -> None:
    """Note in run ``folder`` that it starts from ``checkpoint`` (read from
    ``path``), if that checkpoint lies in a run folder whose curve it continues."""
    run = path.resolve().parent.parent  # RUN/checkpoints/NAME.ckpt
    if not (run / "logs").is_dir():
        return
    clock = checkpoint.get("callbacks", {}).get("TrainingClock", {})
    start = RunStart(str(run), checkpoint["global_step"], clock.get("minutes", 0.0))
    (folder / START_FILE).write_text(json.dumps(asdict(start)) + "\n", "utf-8")


def read_curve(run_dir: Path, metric: str) -> list[CurvePoint]:
    """Validation points of the run and of the runs it continues, by step.

    Steps and minutes count from the first run's start; the earlier run's points
    stop at the checkpoint this run started from.
    """
    points = _sittings(Path(run_dir), metric)
    start_file = Path(run_dir) / START_FILE
    if not start_file.is_file():
        return points
    start = RunStart(**json.loads(start_file.read_text("utf-8")))
    shifted = [
        replace(p, step=p.step + start.step, minutes=p.minutes + start.minutes)
        for p in points
    ]
    if not Path(start.run).is_dir():  # moved or deleted: this run's part only
        return shifted
    earlier = [p for p in read_curve(Path(start.run), metric) if p.step <= start.step]
    return earlier + shifted


def _sittings(run_dir: Path, metric: str) -> list[CurvePoint]:
    """Validation points of every sitting of one run folder, by step.

    A resumed sitting repeats the steps after the checkpoint it resumed: from its
    first logged row on, it replaces what the sitting before had logged.
    """
    points: list[CurvePoint] = []
    files = sorted(
        Path(run_dir).glob("logs/version_*/metrics.csv"),
        key=lambda p: int(p.parent.name.removeprefix("version_")),
    )
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            continue
        # rows are logged every LOG_EVERY_N_STEPS steps from the resumed one on
        resumed_at = min(int(row["step"]) for row in rows) - LOG_EVERY_N_STEPS
        points = [p for p in points if p.step <= resumed_at]
        points += filter(None, (_point(row, metric) for row in rows))
    if not points:
        raise ValueError(
            f"{run_dir}: no validation rows with val_{metric}, val_ppl and "
            "train_minutes in logs/version_*/metrics.csv"
        )
    return sorted(points, key=lambda p: p.step)


def _point(row: dict[str, str], metric: str) -> CurvePoint | None:
    values = [row.get(k) for k in (f"val_{metric}", "val_ppl", "train_minutes")]
    if not all(values):
        return None
    value, ppl, minutes = (float(v) for v in values)  # type: ignore[arg-type]
    return CurvePoint(int(row["step"]), minutes, value, ppl)


def plot_curve(points: list[CurvePoint], metric: str, title: str, path: Path) -> Path:
    """Dev ``metric`` and dev perplexity against minutes (left) and steps (right)."""
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    figure.suptitle(title)
    for axis, x_name in zip(figure.subplots(1, 2), ("minutes", "step"), strict=True):
        xs = [getattr(p, x_name) for p in points]
        axis.plot(xs, [p.metric for p in points], "o-", color="tab:blue")
        axis.set_xlabel(
            "training minutes" if x_name == "minutes" else "optimizer steps"
        )
        axis.set_ylabel(f"dev {metric}", color="tab:blue")
        axis.grid(alpha=0.3)
        if metric == "ppl":
            continue
        twin = axis.twinx()
        twin.plot(xs, [p.ppl for p in points], "s--", color="tab:red", alpha=0.8)
        twin.set_ylabel("dev perplexity", color="tab:red")
        if max(p.ppl for p in points) / min(p.ppl for p in points) > 10:
            twin.set_yscale("log")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    return path


def curve_table(points: list[CurvePoint], metric: str) -> str:
    """The points as a Markdown table, for cards and logs (one perplexity column
    when perplexity is the metric)."""
    extra = metric != "ppl"
    header = ["step", "minutes", *([f"dev {metric}"] if extra else []), "dev ppl"]
    rows = [_row(header), "|" + "---:|" * len(header)]
    for p in points:
        metric_cell = [f"{p.metric:.2f}"] if extra else []
        rows.append(
            _row([f"{p.step:,}", f"{p.minutes:.0f}", *metric_cell, _ppl(p.ppl)])
        )
    return "\n".join(rows)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _ppl(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "inf"
