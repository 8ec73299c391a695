"""A run's learning curve, read from its own CSV logs and drawn as a PNG.

Every validation row of ``logs/version_*/metrics.csv`` (one folder per sitting: a
``--resume`` starts a new one) becomes a point; ``TrainingClock`` gives its
wall-clock minutes, so a curve shows what a score cost, not only how many steps.
Training writes these records and export reads them: the module sits below both.
A run started with ``--train.init_from`` a checkpoint of another run (say at a lower
learning rate) continues that run's curve, from the step and minute it left; so does
a run started from an exported model folder, whose ``learning_curve.json`` keeps the
curve when the run folders behind it are gone (another machine, a later session).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from matplotlib.figure import Figure

from s2s_hub.files import CURVE_DATA_FILE, START_FILE, checkpoint_minutes

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
    """Where a run's weights stand on the curve: the run (or model folder) they
    came from, and the step and minute counted from the first run's start.
    ``points``: the curve up to there, when it came from a model folder (kept in
    the run, since the folder may be replaced by the run's own export)."""

    run: str
    step: int
    minutes: float
    points: list[dict] = field(default_factory=list)
    metric: str | None = None  # what the points' ``metric`` measured


def checkpoint_position(run_dir: Path, checkpoint: dict[str, Any]) -> RunStart:
    """Where ``checkpoint``, written by the run in ``run_dir``, stands on the curve
    that ``read_curve(run_dir)`` draws."""
    offset = _start(run_dir)
    step, minutes = (offset.step, offset.minutes) if offset else (0, 0.0)
    return RunStart(
        str(run_dir),
        checkpoint["global_step"] + step,
        checkpoint_minutes(checkpoint) + minutes,
    )


def record_start(folder: Path, path: Path, checkpoint: dict[str, Any]) -> None:
    """Note in run ``folder`` that it starts from ``checkpoint`` (read from
    ``path``), if that checkpoint lies in a run folder whose curve it continues."""
    run = path.resolve().parent.parent  # RUN/checkpoints/NAME.ckpt
    if (run / "logs").is_dir():
        _write_start(folder, checkpoint_position(run, checkpoint))


def record_folder_start(folder: Path, model_folder: Path) -> None:
    """Note in run ``folder`` that it starts from an exported model, if the model
    folder kept the curve its weights were trained on."""
    data = Path(model_folder) / CURVE_DATA_FILE
    if data.is_file():
        saved = json.loads(data.read_text("utf-8"))
        before = [p for p in saved["points"] if p["step"] <= saved["step"]]
        start = RunStart(
            str(Path(model_folder).resolve()),
            saved["step"],
            saved["minutes"],
            before,
            saved.get("metric"),
        )
        _write_start(folder, start)


def _legacy_metric(points: list[dict]) -> str | None:
    """What the points of a ``learning_curve.json`` written before it named its
    metric measured: perplexity where every point's metric is its perplexity, else
    the task's selection metric (None: the same as now)."""
    return "ppl" if all(p["metric"] == p["ppl"] for p in points) else None


def write_curve_data(
    folder: Path, points: list[CurvePoint], metric: str, position: RunStart
) -> Path:
    """Keep ``points`` (of dev ``metric``) and where the exported weights stand in
    a model folder."""
    data = {
        "step": position.step,
        "minutes": position.minutes,
        "metric": metric,
        "points": [asdict(p) for p in points],
    }
    path = Path(folder) / CURVE_DATA_FILE
    path.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    return path


def _write_start(folder: Path, start: RunStart) -> None:
    (folder / START_FILE).write_text(json.dumps(asdict(start)) + "\n", "utf-8")


def _start(run_dir: Path) -> RunStart | None:
    path = Path(run_dir) / START_FILE
    if not path.is_file():
        return None
    return RunStart(**json.loads(path.read_text("utf-8")))


def read_curve(run_dir: Path, metric: str) -> list[CurvePoint]:
    """Validation points of the run and of the runs it continues, by step.

    Steps and minutes count from the first run's start; the earlier run's points
    stop where this run's weights came from.
    """
    points = _sittings(Path(run_dir), metric)
    start = _start(run_dir)
    if start is None:
        return points
    shifted = [
        replace(p, step=p.step + start.step, minutes=p.minutes + start.minutes)
        for p in points
    ]
    return _points_before(start, metric) + shifted


def _points_before(start: RunStart, metric: str) -> list[CurvePoint]:
    """The curve that led to a run's start: a model folder's saved points or the
    earlier run's logs; none if that run was moved or deleted."""
    if start.points:
        points = [CurvePoint(**p) for p in start.points]
        measured = start.metric or _legacy_metric(start.points)
        if measured not in (None, metric):  # a task that changed its metric
            return [replace(p, metric=math.nan) for p in points]
        return points
    if not Path(start.run).is_dir():
        return []
    return [p for p in read_curve(Path(start.run), metric) if p.step <= start.step]


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
        metric_cell = [_value(p.metric)] if extra else []
        rows.append(
            _row([f"{p.step:,}", f"{p.minutes:.0f}", *metric_cell, _ppl(p.ppl)])
        )
    return "\n".join(rows)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _value(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "—"


def _ppl(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "inf"
