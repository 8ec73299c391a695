"""One last.ckpt per run, training minutes in the logs, and the learning curve."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from conftest import TINY_TRAIN_ARGS

from s2s_hub.cli.main import main
from s2s_hub.files import CURVE_DATA_FILE, CURVE_FILE, START_FILE
from s2s_hub.learning_curve import (
    curve_table,
    read_curve,
    record_folder_start,
    run_task,
)
from s2s_hub.training.clock import TrainingClock

# 600 pairs at batch 64: 10 steps an epoch, validated every 4 steps counted across
# epochs (after steps 4, 8 and 12); the run stops at step 13
RUN_ARGS = [
    *TINY_TRAIN_ARGS,
    "--train.max_epochs",
    "2",
    "--train.max_steps",
    "13",
    "--train.val_check_interval",
    "4",
    "--train.checkpoint_every_n_steps",
    "5",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("curve") / "run"
    assert main(["train", *RUN_ARGS, "--train.out_dir", str(out)]) == 0
    return out


def test_one_last_checkpoint_holds_the_newest_periodic_state(run):
    folder = run / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["best.ckpt", "last.ckpt"]
    last = torch.load(folder / "last.ckpt", weights_only=True)
    best = torch.load(folder / "best.ckpt", weights_only=True)
    assert last["global_step"] == 10  # the last multiple of 5 before step 13
    assert best["global_step"] in (4, 8, 12)


def test_validations_log_training_minutes_and_the_curve_reads_them(run):
    rows = list(csv.DictReader(next(run.glob("logs/version_*/metrics.csv")).open()))
    minutes = [float(r["train_minutes"]) for r in rows if r.get("train_minutes")]
    assert len(minutes) == 3 and minutes == sorted(minutes) and minutes[0] > 0
    points = read_curve(run, "exact")
    assert [p.step for p in points] == [3, 7, 11]  # logged at the step before
    assert [p.minutes for p in points] == minutes
    assert run_task(run) == "reverse"
    table = curve_table(points, "exact").splitlines()
    assert table[0] == "| step | minutes | dev exact | dev ppl |" and len(table) == 5


def test_plot_writes_the_png_and_prints_the_table(run, capsys):
    assert main(["plot", str(run)]) == 0
    image = run / CURVE_FILE
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "dev exact" in capsys.readouterr().out


def test_a_resumed_sitting_continues_the_curve_where_it_left_off(run, tmp_path):
    second = tmp_path / "run"
    (second / "logs" / "version_0").mkdir(parents=True)
    (second / "logs" / "version_1").mkdir(parents=True)
    header = "epoch,step,train_loss,train_minutes,val_exact,val_ppl\n"
    (second / "logs" / "version_0" / "metrics.csv").write_text(
        header + "0,9,,1.0,10,50\n0,19,,2.0,20,40\n0,20,,2.1,22,38\n"
    )
    # resumed from the checkpoint of step 10: rows from step 19 (10 + 9) on
    # replace what the first sitting logged after it, its step 20 included
    (second / "logs" / "version_1" / "metrics.csv").write_text(
        header + "0,19,0.5,,,\n0,19,,2.1,21,39\n0,29,,3.0,30,30\n"
    )
    points = read_curve(second, "exact")
    assert [(p.step, p.metric) for p in points] == [(9, 10.0), (19, 21.0), (29, 30.0)]


def test_the_clock_keeps_its_minutes_across_a_resume():
    clock = TrainingClock()
    clock.load_state_dict({"minutes": 42.0})
    assert 42.0 <= clock.minutes < 42.1
    assert clock.state_dict()["minutes"] >= 42.0


def test_an_export_of_a_run_carries_its_learning_curve(run, tmp_path):
    from s2s_hub.hub.push import export_checkpoint

    folder = export_checkpoint(run / "checkpoints" / "best.ckpt", tmp_path / "model")
    assert (folder / CURVE_FILE).read_bytes()[:4] == b"\x89PNG"
    card = (folder / "README.md").read_text()
    assert f"]({CURVE_FILE})" in card and "| step | minutes | dev exact |" in card
    saved = json.loads((folder / CURVE_DATA_FILE).read_text())
    assert saved["step"] == torch.load(run / "checkpoints" / "best.ckpt")["global_step"]
    assert [p["step"] for p in saved["points"]] == [3, 7, 11]


def test_a_run_started_from_another_run_s_checkpoint_continues_its_curve(run, tmp_path):
    start = run / "checkpoints" / "last.ckpt"  # step 10
    second = tmp_path / "lower-lr"
    args = [*RUN_ARGS, "--train.max_steps", "5", "--train.lr", "0.0005"]
    assert main(["train", *args, "--train.init_from", str(start),
                 "--train.out_dir", str(second)]) == 0  # fmt: skip
    assert (second / START_FILE).is_file()
    first = [p for p in read_curve(run, "exact") if p.step <= 10]
    points = read_curve(second, "exact")
    assert [p.step for p in points] == [3, 7, 13]  # the first run's up to step 10
    assert points[:2] == first
    assert points[2].minutes > first[-1].minutes


def test_a_run_started_from_an_exported_model_continues_the_whole_curve(run, tmp_path):
    """Run folders do not outlive a machine; the model folder keeps the curve, so
    a third sitting started from an export still counts from the first one."""
    from s2s_hub.hub.push import export_checkpoint

    first = shutil.copytree(run, tmp_path / "first")  # the fixture's outlives this
    second, third = tmp_path / "second", tmp_path / "third"
    args = [*RUN_ARGS, "--train.max_steps", "5"]
    start = first / "checkpoints" / "last.ckpt"  # step 10
    assert main(["train", *args, "--train.init_from", str(start),
                 "--train.out_dir", str(second)]) == 0  # fmt: skip
    model = export_checkpoint(second / "checkpoints" / "last.ckpt", tmp_path / "model")
    assert json.loads((model / CURVE_DATA_FILE).read_text())["step"] == 10 + 5
    shutil.rmtree(first)  # gone with its machine
    shutil.rmtree(second)
    assert main(["train", *args, "--train.init_from", str(model),
                 "--train.out_dir", str(third)]) == 0  # fmt: skip
    shutil.rmtree(model)  # replaced by the third run's own export, say
    points = read_curve(third, "exact")
    assert [p.step for p in points] == [3, 7, 13, 18]
    minutes = [p.minutes for p in points]
    assert minutes == sorted(minutes)


@pytest.mark.parametrize("named", [True, False])
def test_a_task_that_changed_its_metric_keeps_only_the_perplexity_before(
    tmp_path, named
):
    """Dialogue selected by perplexity, then by hits@1: the points measured before
    the change keep their perplexity and show no hits@1 (files written before
    ``learning_curve.json`` named its metric hold perplexity twice)."""
    model, run = tmp_path / "model", tmp_path / "run"
    model.mkdir()
    (run / "logs" / "version_0").mkdir(parents=True)
    saved = {"step": 20, "minutes": 5.0, "points": [
        {"step": 9, "minutes": 2.0, "metric": 98.0, "ppl": 98.0},
        {"step": 19, "minutes": 4.0, "metric": 97.0, "ppl": 97.0},
    ]}  # fmt: skip
    if named:
        saved["metric"] = "ppl"
    (model / CURVE_DATA_FILE).write_text(json.dumps(saved))
    record_folder_start(run, model)
    (run / "logs" / "version_0" / "metrics.csv").write_text(
        "epoch,step,train_minutes,val_hits@1_of_20,val_ppl\n0,9,1.0,9.5,102.8\n"
    )
    points = read_curve(run, "hits@1_of_20")
    assert [(p.step, p.ppl) for p in points] == [(9, 98.0), (19, 97.0), (29, 102.8)]
    assert [math.isnan(p.metric) for p in points] == [True, True, False]
    assert "| 19 | 4 | — | 97.0 |" in curve_table(points, "hits@1_of_20")
