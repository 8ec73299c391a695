"""``bench/serving.py`` on the toy model: every figure, the verdict and the chart
are produced, and ``--report_only`` rebuilds them. Speeds are not checked here:
they are measured on an idle machine, never by a test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVING = REPO / "bench" / "serving.py"


def _serving(*options: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(SERVING), *options],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_serving_benchmark_reports_and_judges_every_variant(toy_model_dir, tmp_path):
    output = tmp_path / "serving.json"
    printed = _serving(
        "--model",
        str(toy_model_dir),
        "--variants",
        "fp32,int8",
        "--sentences",
        "3",
        "--latency_sentences",
        "2",
        "--max_length",
        "5",
        "--output",
        str(output),
        "--work_dir",
        str(tmp_path / "work"),
    )
    report = json.loads(output.read_text())
    for figures in report["variants"].values():
        assert "error" not in figures
        assert figures["beam_p50_ms"] > 0 and figures["sentences_per_s"] > 0
        assert 0 <= figures["bleu"] <= 100
    assert report["ratios"]["fp32"]["sentences_per_s"] == 1.0
    [(variant, verdict)] = report["verdicts"].items()
    assert variant == "int8"
    fp32, int8 = report["variants"]["fp32"], report["variants"]["int8"]
    expected = round(int8["sentences_per_s"] / fp32["sentences_per_s"], 2)
    assert verdict["batch_speedup"] == expected
    assert verdict["meets_bar"] == (
        verdict["sentence_speedup"] >= 2
        and verdict["batch_speedup"] >= 2
        and verdict["bleu_change"] >= -0.3
    )
    assert "fastest variant that meets the bar" in printed
    chart = output.with_suffix(".png")
    assert chart.read_bytes()[:4] == b"\x89PNG"
    chart.unlink()
    rebuilt = _serving("--report_only", "--output", str(output))
    assert printed.endswith(rebuilt)  # the measuring run's progress lines first
    assert chart.is_file()
