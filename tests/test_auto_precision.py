"""``precision="auto"`` (``serving/auto.py``): what the card allows, what this CPU
can run, the fastest of them by (faked) timings, the cache of the choice, and a
real auto load that decodes like fp32; and how int8 scores reach the card."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import torch

from s2s_hub.cli.main import main
from s2s_hub.evaluation.run import Evaluation
from s2s_hub.files import CARD_FILE, EVAL_FILE
from s2s_hub.hub import load
from s2s_hub.hub.layout import read
from s2s_hub.registry import get_task
from s2s_hub.serving import ServingConfig, auto
from s2s_hub.serving.auto import Candidate, candidates, refusal, resolve
from s2s_hub.serving.cache import CACHE_ENV
from s2s_hub.serving.config import serving_name
from s2s_hub.serving.cpu import CpuFamily

torch.set_num_threads(1)
ENGINES = [
    e for e in auto.INT8_ENGINES if e in torch.backends.quantized.supported_engines
]
REVERSE = get_task("reverse")  # selection metric: exact, higher is better
ONNX = importlib.util.find_spec("onnxruntime") and importlib.util.find_spec("onnx")


def card(exact: float, **precisions: float) -> dict:
    """An ``eval_results.json`` with fp32's ``exact`` and each precision's."""
    return {
        "scores": {"exact": exact},
        "precisions": {p: {"scores": {"exact": s}} for p, s in precisions.items()},
    }


@pytest.fixture(autouse=True)
def no_amx(monkeypatch):
    """Card names as on a CPU without AMX, whatever this one has."""
    monkeypatch.setattr("s2s_hub.serving.config.native_amx", lambda: False)


@pytest.fixture
def model_dir(toy_model_dir, tmp_path, monkeypatch) -> Path:
    """A copy of the toy model folder whose card may be edited, with the choice
    cache in ``tmp_path``."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    # resolve sets the process-wide engine; put it back afterwards
    monkeypatch.setattr(
        torch.backends.quantized, "engine", torch.backends.quantized.engine
    )
    return Path(shutil.copytree(toy_model_dir, tmp_path / "model"))


def with_card(folder: Path, exact_drop: float) -> Path:
    """``folder`` whose card records an int8 ``exact`` ``exact_drop`` below fp32's."""
    path = folder / EVAL_FILE
    values = json.loads(path.read_text())
    fp32 = values["scores"]["exact"]
    values["precisions"] = {"int8": {"scores": {"exact": fp32 - exact_drop}}}
    path.write_text(json.dumps(values))
    return folder


def auto_serving(folder: Path, measure) -> ServingConfig:
    """What ``precision="auto"`` resolves to for ``folder`` with these timings."""
    predictor = read(folder)  # fp32, for its config and task
    return resolve(
        folder,
        predictor.model.config,
        predictor.task,
        lambda: predictor.model,
        measure,
    )


def test_auto_is_a_precision_that_chooses_the_runtime_too():
    assert ServingConfig("auto").precision == "auto"
    with pytest.raises(ValueError, match="auto chooses the runtime"):
        ServingConfig("auto", "onnxruntime")


def names(folder: Path | None, evaluation: dict | None) -> list[str]:
    return [c.name for c in candidates(folder, evaluation, REVERSE)]


@pytest.mark.parametrize("bf16", [True, False])
def test_bf16_is_a_candidate_only_on_a_cpu_with_native_bf16(bf16, monkeypatch):
    monkeypatch.setattr(auto, "native_bf16", lambda: bf16)
    found = names(None, card(50.0, bf16=50.0))
    assert ("bf16" in found) == bf16


def test_int8_needs_a_recorded_score_within_tolerance_of_fp32():
    int8 = [f"int8-{e}" for e in ENGINES]
    assert names(None, None) == ["fp32"]
    assert names(None, card(50.0)) == ["fp32"]
    assert names(None, card(50.0, int8=49.7)) == ["fp32", *int8]
    assert names(None, card(50.0, int8=50.5)) == ["fp32", *int8]
    assert names(None, card(50.0, int8=49.6)) == ["fp32"]
    # a score recorded for another metric only does not count
    no_metric = {"scores": {"exact": 50.0}, "precisions": {"int8": {"scores": {}}}}
    assert names(None, no_metric) == ["fp32"]


def test_where_lower_is_better_the_tolerance_is_above_fp32(monkeypatch):
    monkeypatch.setattr(type(REVERSE), "selection_mode", "min")
    assert "int8" in refusal(card(10.0, int8=10.4), REVERSE, Candidate("int8"))
    assert refusal(card(10.0, int8=10.25), REVERSE, Candidate("int8")) == ""
    assert refusal(card(10.0, int8=9.0), REVERSE, Candidate("int8")) == ""


def test_onnx_runtime_is_a_candidate_where_the_folder_has_the_graphs(tmp_path):
    for name in ("encoder.onnx", "decoder_step.onnx"):
        (tmp_path / name).write_bytes(b"")
    assert names(tmp_path, card(1.0)) == ["fp32", "onnxruntime-fp32"]
    # torch's int8 score does not vouch for ONNX Runtime's quantization
    ort_int8 = names(tmp_path, card(1.0, int8=1.0))
    assert "onnxruntime-int8" not in ort_int8
    assert "onnxruntime-int8" in names(tmp_path, card(1.0, **{"onnxruntime-int8": 1}))


@pytest.mark.skipif(not ENGINES, reason="no quantized engine in this torch build")
def test_the_fastest_allowed_candidate_wins_and_sets_its_engine(model_dir):
    fastest = ENGINES[-1]

    def measure(candidate: Candidate) -> float:
        return 1.0 if candidate.engine == fastest else 2.0

    serving = auto_serving(with_card(model_dir, 0.2), measure)
    assert serving == ServingConfig("int8")
    assert torch.backends.quantized.engine == fastest


def test_a_path_too_far_below_fp32_is_not_timed_even_if_faster(model_dir):
    timed = []

    def measure(candidate: Candidate) -> float:
        timed.append(candidate.name)
        return 1.0 if candidate.precision == "int8" else 2.0

    assert auto_serving(with_card(model_dir, 0.4), measure).precision == "fp32"
    assert not any("int8" in name for name in timed)


def test_the_choice_is_cached_per_cpu_and_thread_count(model_dir, monkeypatch):
    timed = []

    def measure(candidate: Candidate) -> float:
        timed.append(candidate.name)
        return 1.0 if candidate.precision == "fp32" else 2.0

    folder = with_card(model_dir, 0.0)
    assert auto_serving(folder, measure) == ServingConfig()
    first = len(timed)
    assert set(timed) == {
        c.name for c in candidates(folder, card(1.0, int8=1.0), REVERSE)
    }
    assert auto_serving(folder, measure) == ServingConfig()
    assert len(timed) == first  # read from the cache
    (entry,) = (model_dir.parent / "cache" / "s2s-hub").glob("*.json")
    stored = json.loads(entry.read_text())
    assert stored["choice"] == "fp32" and set(stored["milliseconds"]) == set(timed)

    other_cpu = CpuFamily("amd", "AMD EPYC", frozenset({"avx512_vnni"}))
    monkeypatch.setattr(auto, "cpu_family", lambda: other_cpu)
    auto_serving(folder, measure)
    assert len(timed) == 2 * first
    monkeypatch.setattr(auto.torch, "get_num_threads", lambda: 7)
    auto_serving(folder, measure)
    assert len(timed) == 3 * first


def test_a_real_auto_load_decodes_like_fp32(model_dir):
    folder = with_card(model_dir, 0.0)
    served = load(folder, precision="auto")
    fp32 = load(folder)
    assert served.serving.precision in {"fp32", "int8"}
    (entry,) = (model_dir.parent / "cache" / "s2s-hub").glob("*.json")
    timings = json.loads(entry.read_text())["milliseconds"]
    torch_paths = {"fp32", *(f"int8-{e}" for e in ENGINES)}
    assert set(timings) == torch_paths | ({"onnxruntime-fp32"} if ONNX else set())
    assert all(ms > 0 for ms in timings.values())
    pairs = fp32.task.pairs("test")
    for ours, theirs in zip(served.score(pairs), fp32.score(pairs), strict=True):
        assert ours.log_prob == pytest.approx(theirs.log_prob, abs=0.05 * ours.tokens)


def test_auto_is_fp32_where_the_card_records_no_other_precision(model_dir):
    predictor = load(model_dir, precision="auto")
    assert predictor.serving.precision == "fp32"  # in torch or ONNX Runtime


def test_evaluate_records_the_precision_and_export_puts_it_on_the_card(
    model_dir, tmp_path
):
    scores = tmp_path / "int8.json"
    argv = ["evaluate", str(model_dir), "--precision", "int8", "--output", str(scores)]
    assert main(argv) == 0
    int8 = json.loads(scores.read_text())
    served = (int8["precision"], int8["runtime"], int8["path"])
    assert served == ("int8", "torch", "int8")
    out = tmp_path / "out"
    argv = ["export", str(model_dir), str(out), "--precision_scores", str(scores)]
    assert main(argv) == 0
    stored = Evaluation(**json.loads((out / EVAL_FILE).read_text()))
    assert stored.precisions == {"int8": {"scores": int8["scores"]}}
    header = "| metric | this model | this model, int8 |"
    assert header in (out / CARD_FILE).read_text()


def test_export_refuses_scores_of_another_split(model_dir, tmp_path, capsys):
    scores = tmp_path / "dev.json"
    argv = ["evaluate", str(model_dir), "--precision", "int8", "--split", "dev"]
    assert main([*argv, "--output", str(scores)]) == 0
    argv = ["export", str(model_dir), str(tmp_path / "out")]
    assert main([*argv, "--precision_scores", str(scores)]) != 0
    assert "another split" in capsys.readouterr().err


def test_predict_takes_precision_auto(model_dir, capsys):
    assert main(["predict", str(model_dir), "abc", "--precision", "auto"]) == 0
    assert capsys.readouterr().out.count("\n") == 1  # one answer


def test_int8_on_an_amx_cpu_is_scored_and_allowed_as_its_own_path(monkeypatch):
    """Its batches run oneDNN's kernel, whose rounding moved translation's BLEU."""
    monkeypatch.setattr("s2s_hub.serving.config.native_amx", lambda: True)
    assert serving_name("int8", "torch") == "int8-amx"
    assert serving_name("int8", "onnxruntime") == "onnxruntime-int8"
    assert serving_name("bf16", "torch") == "bf16"
    int8 = Candidate("int8")
    assert "int8-amx" in refusal(card(10.0, int8=10.0), REVERSE, int8)
    assert refusal(card(10.0, **{"int8-amx": 9.8}), REVERSE, int8) == ""


def test_scores_keep_the_path_they_were_measured_on_wherever_they_are_merged(
    model_dir, tmp_path, monkeypatch
):
    """An int8-amx run exported on a CPU without AMX stays int8-amx."""
    monkeypatch.setattr("s2s_hub.serving.config.native_amx", lambda: True)
    scores = tmp_path / "amx.json"
    argv = ["evaluate", str(model_dir), "--precision", "int8", "--output", str(scores)]
    assert main(argv) == 0
    monkeypatch.setattr("s2s_hub.serving.config.native_amx", lambda: False)
    out = tmp_path / "out"
    argv = ["export", str(model_dir), str(out), "--precision_scores", str(scores)]
    assert main(argv) == 0
    stored = Evaluation(**json.loads((out / EVAL_FILE).read_text()))
    assert list(stored.precisions) == ["int8-amx"]


@pytest.mark.skipif(len(ENGINES) < 2, reason="needs two quantized engines")
def test_a_candidate_that_cannot_serve_the_model_is_left_out(model_dir):
    def measure(candidate: Candidate) -> float:
        if candidate.engine == ENGINES[-1]:
            raise ValueError("cannot export this combination to ONNX")
        return 1.0 if candidate.engine else 2.0

    assert auto_serving(with_card(model_dir, 0.0), measure) == ServingConfig("int8")
    assert torch.backends.quantized.engine != ENGINES[-1]
