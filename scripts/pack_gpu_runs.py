"""Bring a GPU session's runs back through the device tool's narrow door.

    python scripts/pack_gpu_runs.py RUNS OUT [TASK ...]

A device call returns at most 8 files of 16 MiB, 64 MiB in all: too little for
every run's checkpoints with their optimizer state. For each task (in the order
given, which is the order of priority when the budget runs out), and each language
pair of a translation task, the run whose validation logged the best selection
metric is kept: its ``best.ckpt`` without
training state, in float16 (what ships anyway), with its tokenizer, logs and
``started_from.json``; every run's logs come along for the recipes table. All of
it goes into one tar cut into 15 MiB parts; unpack with
``cat OUT/runs.tar.* | tar -x -C RUNS``. Prints each run's steps, minutes and best
score, and what was left out.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

import torch
import yaml

from s2s_hub.files import read_checkpoint
from s2s_hub.registry import Task, get_task
from s2s_hub.training.averaging import halved, without_training_state

PART_BYTES = 15 * 2**20
BUDGET_BYTES = 62 * 2**20  # of the call's 64 MiB, with room for its log
SMALL_FILES = ("tokenizer.model", "started_from.json")


def best_score(run: Path, metric: str, mode: str) -> tuple[float | None, dict]:
    """The run's best logged ``val_<metric>`` and the row it was logged in."""
    rows = []
    for path in sorted(run.glob("logs/version_*/metrics.csv")):
        with path.open() as file:
            rows += [row for row in csv.DictReader(file) if row.get(f"val_{metric}")]
    if not rows:
        return None, {}
    pick = max if mode == "max" else min
    row = pick(rows, key=lambda r: float(r[f"val_{metric}"]))
    return float(row[f"val_{metric}"]), row


def run_folders(runs: Path) -> list[Path]:
    """The run folders under ``runs``, hidden ones left out."""
    return sorted(
        p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")
    )


def run_task(run: Path) -> Task:
    """The run's task, from the hyper-parameters its logger wrote: reading them
    from ``best.ckpt`` would load every run's weights and optimizer state."""
    hparams = yaml.safe_load(next(run.glob("logs/version_*/hparams.yaml")).read_text())
    return get_task(hparams["task"], **(hparams.get("task_options") or {}))


def model_kind(task: Task) -> str:
    """What one brought-back model stands for: the task, and what sets its
    models apart (``Task.demo_variant``: a translation's language pair), so that
    an English-German and an English-Chinese run both come back."""
    return " ".join(part for part in (task.name, task.demo_variant) if part)


def survey(runs: Path) -> dict[str, list[tuple[float, Path]]]:
    """Runs with a best checkpoint, by ``model_kind``, best first."""
    by_task: dict[str, list[tuple[float, Path]]] = {}
    for run in run_folders(runs):
        if not (run / "checkpoints" / "best.ckpt").is_file():
            print(f"{run.name}: no best.ckpt")
            continue
        task = run_task(run)
        metric, mode = task.selection_metric, task.selection_mode
        score, row = best_score(run, metric, mode)
        print(
            f"{run.name}: best val_{metric} {score} at step {row.get('step')}, "
            f"minute {row.get('train_minutes')}"
        )
        if score is not None:
            sign = 1 if mode == "max" else -1
            by_task.setdefault(model_kind(task), []).append((sign * score, run))
    return {name: sorted(found, reverse=True) for name, found in by_task.items()}


def stage(runs: Path, folder: Path, order: list[str]) -> None:
    """Copy every run's logs, and each task's best run as a model, into ``folder``."""
    for run in run_folders(runs):
        if (run / "logs").is_dir():
            shutil.copytree(run / "logs", folder / run.name / "logs")
    budget = BUDGET_BYTES
    by_kind = survey(runs)
    rank = {name: index for index, name in enumerate(order)}
    for name in order:
        if not any(kind.split()[0] == name for kind in by_kind):
            print(f"{name}: no run to bring back")
    kinds = sorted(by_kind, key=lambda k: (rank.get(k.split()[0], len(order)), k))
    for name in kinds:
        run = by_kind[name][0][1]
        checkpoint = read_checkpoint(run / "checkpoints" / "best.ckpt")
        buffer = io.BytesIO()
        torch.save(halved(without_training_state(checkpoint)), buffer)
        if buffer.tell() > budget:
            print(f"{name}: {run.name} left out ({buffer.tell()} bytes, {budget} left)")
            continue
        budget -= buffer.tell()
        target = folder / run.name
        (target / "checkpoints").mkdir(parents=True, exist_ok=True)
        (target / "checkpoints" / "best.ckpt").write_bytes(buffer.getvalue())
        for small in SMALL_FILES:
            if (run / small).is_file():
                shutil.copy(run / small, target / small)
        print(f"{name}: bringing back {run.name} ({buffer.tell()} bytes)")


def pack(folder: Path, out: Path) -> list[Path]:
    """``folder`` as one tar, cut into parts the device tool can return."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in sorted(folder.iterdir()):
            archive.add(path, arcname=path.name)
    data = buffer.getvalue()
    parts = []
    for number, start in enumerate(range(0, len(data), PART_BYTES)):
        part = out / f"runs.tar.{number:02d}"
        part.write_bytes(data[start : start + PART_BYTES])
        parts.append(part)
    return parts


def main(runs: Path, out: Path, order: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as staging:
        stage(runs, Path(staging), order)
        for part in pack(Path(staging), out):
            print(part, part.stat().st_size)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
