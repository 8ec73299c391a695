"""``bench/compare.py --quick``: the benchmark scripts stay alive.

CI has no Joey NMT venv, so quick mode measures s2s-hub alone and says so; this test
points ``--joey_venv`` at a missing folder to be in that case on every machine. One
thread keeps it fast on a busy machine: it checks that every figure is produced and
sane, not how fast anything is.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _compare(tmp_path: Path, results: Path, *options: str) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "compare.py"),
            "--quick",
            "--threads",
            "1",
            "--joey_venv",
            str(tmp_path / "no-venv"),
            "--results_dir",
            str(results),
            "--work_dir",
            str(tmp_path / "work"),
            *options,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_quick_mode_writes_json_markdown_and_plot(tmp_path: Path) -> None:
    results = tmp_path / "results"
    _compare(tmp_path, results)

    comparison = json.loads((results / "comparison.json").read_text())
    assert comparison["mode"] == "quick"
    assert any("Joey NMT not measured" in note for note in comparison["notes"])
    result = comparison["attentions"]["bahdanau"]
    assert set(result) == {"ours"}  # no peer, no ratios
    ours = result["ours"]
    assert ours["errors"] == []
    assert ours == json.loads((results / "ours-bahdanau.json").read_text())
    assert ours["train_tokens_per_s"] > 0 and ours["train_steps"] >= 4
    assert 0.1 < ours["peak_rss_gib"] < 8
    assert 0 <= ours["bleu"] <= 100 and 0 <= ours["chrf"] <= 100
    assert "tok:13a" in ours["bleu_signature"] and "nw:2" in ours["chrf_signature"]
    assert ours["decode_sentences_per_s"] > 0
    for latency in ("latency", "latency_equal"):
        for method in ("greedy", "beam"):
            p50, p95 = (
                ours[f"{latency}_{method}_p50_ms"],
                ours[f"{latency}_{method}_p95_ms"],
            )
            assert 0 < p50 <= p95
    for series in ("scale_train_tokens_per_s", "scale_decode_sentences_per_s"):
        assert list(ours[series]) == ["2", "8", "32"]
        assert all(value > 0 for value in ours[series].values())
    _check_curve(ours["dev_curve"])
    assert ours["parameters"] > 0 and ours["flops_per_token"] > 0
    assert 0 < ours["useful_fraction"] < 1
    assert comparison["machine"]["matmul_flops_per_s_start"] > 1e9
    assert not math.isnan(comparison["data"]["lengths"]["source_per_target"])

    markdown = (results / "RESULTS.md").read_text()
    assert "| training, target tokens/s (batch 8) |" in markdown
    assert "Joey NMT not measured" in markdown
    assert "Learning curve (beam search on the whole dev split" in markdown
    for plot in ("results.png", "curve.png"):
        png = (results / plot).read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000

    # the same figures again from the finished workers, without running them
    _compare(tmp_path, tmp_path / "rebuilt", "--report_only")
    rebuilt = json.loads((tmp_path / "rebuilt" / "ours-bahdanau.json").read_text())
    ours.pop("useful_fraction")  # it depends on the matmul rate measured now
    rebuilt.pop("useful_fraction")
    assert rebuilt == ours


def _check_curve(points: list[dict]) -> None:
    """Quick mode's two points: a snapshot halfway through the budget, then the
    final weights, each scored on the dev split."""
    assert len(points) == 2
    first, final = points
    assert 0 < first["steps"] < final["steps"]
    assert 0 <= first["minutes"] < final["minutes"]
    # a model of seconds may write nothing yet (the recipe has no copy gate, which
    # copied source pieces from the first steps on)
    assert all(0 <= point["bleu"] <= 100 for point in points)
    assert all(0 <= point["chrf"] <= 100 for point in points)


def test_quality_only_jobs_score_the_test_split_from_the_curve(
    tmp_path: Path,
) -> None:
    """``--jobs train curve``: no speed workers, and test BLEU comes from the curve
    job's decoding of the final weights."""
    results = tmp_path / "results"
    _compare(tmp_path, results, "--jobs", "train", "curve")

    ours = json.loads((results / "ours-bahdanau.json").read_text())
    assert ours["errors"] == []
    assert not (tmp_path / "work" / "bahdanau" / "ours" / "decode.jsonl").exists()
    assert ours["scale_train_tokens_per_s"] == {}
    assert math.isnan(ours["decode_sentences_per_s"])
    assert 0 <= ours["bleu"] <= 100 and "tok:13a" in ours["bleu_signature"]
    _check_curve(ours["dev_curve"])


def test_marian_rate_is_read_from_its_log() -> None:
    """Marian's labels/s: every logged interval after the first, weighted by time."""
    spec = importlib.util.spec_from_file_location(
        "marian_worker", REPO / "bench" / "marian" / "worker.py"
    )
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    log = "\n".join(
        f"[2026-12-02 19:30:0{i}] Ep. 1 : Up. {10 * (i + 1)} : Sen. 640 : Cost 7.1 "
        f"* 19,377 @ 1,995 after 19,377 : Time {seconds}s : {rate} words/s : gNorm 0.6"
        for i, (seconds, rate) in enumerate(
            [(60.0, 300.0), (20.0, 700.0), (30.0, 600.0)]
        )
    )
    intervals = [m.groupdict() for m in worker.PROGRESS.finditer(log)]
    measured = worker.rate(intervals)
    assert measured["steps"] == 30 and measured["measured_steps"] == 20
    assert measured["tokens_per_s"] == round((20 * 700 + 30 * 600) / 50, 1)
    assert measured["seconds_per_step"] == 2.5
