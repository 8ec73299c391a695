"""``bench/serving.py`` on the toy model: every figure, the CPU family, the verdict
and the chart are produced, and ``--report_only`` rebuilds them; results default to
their CPU family's file, and ``--families_table`` reads such files, old and new.
Speeds are not checked here: they are measured on an idle machine, never by a
test."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from s2s_hub.serving.cpu import CpuFamily, cpu_family

REPO = Path(__file__).resolve().parent.parent
SERVING = REPO / "bench" / "serving.py"


@pytest.fixture
def serving(monkeypatch) -> ModuleType:
    """``bench/serving.py`` as a module (the scripts import each other by name)."""
    monkeypatch.syspath_prepend(str(SERVING.parent))
    spec = importlib.util.spec_from_file_location("serving", SERVING)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # for its dataclasses
    spec.loader.exec_module(module)
    return module


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
    family = cpu_family()
    assert report["cpu_family"]["key"] == family.key
    assert report["cpu_family"]["flags"] == sorted(family.flags)
    engine = report["math_libraries"]["quantized_engine"]
    assert int8["quantized_engine"] == engine  # plain int8: torch's default engine
    assert report["threads"] == {"latency": 1, "batch": 2}
    assert report["latency_rounds"] == fp32["beam_rounds"] == 3
    assert f"({family.key}, quantized engine {engine})" in printed
    chart = output.with_suffix(".png")
    assert chart.read_bytes()[:4] == b"\x89PNG"
    chart.unlink()
    rebuilt = _serving("--report_only", "--output", str(output))
    assert printed.endswith(rebuilt)  # the measuring run's progress lines first
    assert chart.is_file()


def test_results_go_to_the_cpu_familys_file_by_default(serving):
    amx = CpuFamily("intel", "Intel(R) Xeon(R)", frozenset({"avx512_vnni", "amx_int8"}))
    assert serving.default_output(amx) == REPO / "bench/results/serving/intel-amx.json"
    assert serving.parse_args([]).output is None  # so main asks the CPU


def _report(variants: dict[str, tuple[float, float, float]], **extra) -> dict:
    """A results file's fields that the families table reads: per variant beam-5
    p50 ms, batch sentences/s and BLEU."""
    return {
        "date": "2026-12-05T10:00:00+00:00",
        "machine": {"cpu": "AMD EPYC"},
        "threads": {"latency": 1, "batch": 2},
        "variants": {
            name: {"beam_p50_ms": p50, "sentences_per_s": rate, "bleu": bleu}
            for name, (p50, rate, bleu) in variants.items()
        },
        **extra,
    }


def test_families_table_has_a_row_per_results_file(serving, tmp_path, capsys):
    # recorded before the family was: the file name says it; bf16 is faster on
    # both counts but loses 0.5 BLEU, so int8 is the best within the bound
    old = _report(
        {"fp32": (60, 50, 20.0), "bf16": (20, 150, 19.5), "int8": (30, 60, 19.9)}
    )
    (tmp_path / "amd-avx2_2026-12-03.json").write_text(json.dumps(old))
    family = {"vendor": "intel", "model": "Xeon", "key": "intel-amx", "flags": []}
    # onnx-int8 answers a sentence faster, but int8-onednn's weaker speed-up wins
    new = _report(
        {
            "fp32": (90, 30, 21.0),
            "int8-onednn": (30, 90, 21.0),
            "onnx-int8": (10, 40, 21.0),
        },
        cpu_family=family,
        threads={"latency": 2, "batch": 2},
    )
    (tmp_path / "whatever.json").write_text(json.dumps(new))
    # no variant within the bound beats fp32
    slow = _report({"fp32": (60, 50, 20.0), "int8": (30, 60, 19.0)})
    (tmp_path / "amd-avx2_2026-12-04.json").write_text(json.dumps(slow))

    assert serving.main(["--families_table", str(tmp_path)]) == 0
    header, rule, *rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 3 and rule.count("|") == header.count("|")
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    assert cells[0][:5] == ["amd-avx2", "AMD EPYC", "2026-12-05", "1 / 2", "int8"]
    assert cells[0][5:8] == [
        "60.0 → 30.0 ms (2.00x)",
        "50.0 → 60.0 (1.20x)",
        "20.00 → 19.90 (-0.10)",
    ]
    assert cells[1][:2] == ["amd-avx2", "AMD EPYC"] and cells[1][4] == "fp32"
    assert cells[2][:5] == ["intel-amx", "Xeon", "2026-12-05", "2 / 2", "int8-onednn"]
    assert cells[2][8] == "whatever.json"


def test_newest_keeps_each_family_s_latest_run(serving, tmp_path):
    amd = _report({"fp32": (60, 50, 20.0)})
    (tmp_path / "amd-avx2_2026-12-03.json").write_text(json.dumps(amd))
    later = {**amd, "date": "2026-12-06T09:00:00+00:00"}
    (tmp_path / "amd-avx2_2026-12-02.json").write_text(json.dumps(later))
    family = {"vendor": "intel", "model": "Xeon", "key": "intel-amx", "flags": []}
    intel = _report({"fp32": (90, 30, 21.0)}, cpu_family=family)
    (tmp_path / "intel-amx.json").write_text(json.dumps(intel))
    paths = sorted(tmp_path.glob("*.json"))
    assert [p.name for p in serving.newest_per_family(paths)] == [
        "amd-avx2_2026-12-02.json",
        "intel-amx.json",
    ]


def test_families_table_reads_every_committed_results_file(serving):
    paths = sorted(serving.RESULTS.glob("*.json"))
    assert paths  # the AMD runs, moved under their family keys
    rows = serving.families_table(paths).splitlines()[2:]
    assert [row.split(" | ")[-1].rstrip(" |") for row in rows] == [
        p.name for p in paths
    ]


def test_each_sentence_counts_with_its_median_over_rounds(serving):
    """A burst of contention during one pass moves no sentence's time."""
    instruments = sys.modules["instruments"]
    calls = {"a": 0, "b": 0}

    def decode_one(text: str, config: float) -> None:
        calls[text] += 1
        if calls[text] == 3:  # the warm-up, then text a's second timed pass
            time.sleep(0.3)
        time.sleep(config)

    summary = instruments.time_single_sentences(
        decode_one, ["a", "b"], [0.001, 0.002], rounds=3
    )
    assert calls == {"a": 4, "b": 3}
    assert summary["rounds"] == 3
    # text a's 300 ms pass is outvoted: a mean of its passes would be over 100
    assert summary["p95_ms"] < 50
