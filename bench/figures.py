"""From workers' records to the figures of the comparison, and ours/peer ratios.

One toolkit's figures come from its four workers (train, scale, decode, curve);
quality is scored here, with the same sacrebleu calls and references for both
toolkits. The targets are issue 7's (ratios, so that machine noise cancels) and
issue 15's BLEU margin at equal training time.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from flops import LengthStats, training_flops_per_token
from settings import BenchSettings
from shared_data import SharedData
from workers import WorkerRun

from s2s_hub.model import Seq2SeqConfig
from s2s_hub.scoring.metrics import bleu, bleu_tokenizer_for, chrf

# single-sentence latency: at each model's own output length, and at the reference's
LATENCY_KINDS = ("latency", "latency_equal")
LATENCIES = tuple(
    f"{kind}_{method}_{quantile}_ms"
    for kind in LATENCY_KINDS
    for method in ("greedy", "beam")
    for quantile in ("p50", "p95")
)
# figure: (how ours/peer must compare, bound); "difference" compares ours - peer.
TARGETS: dict[str, tuple[str, float]] = {
    "train_tokens_per_s": (">=", 5.0),
    "peak_rss_gib": ("<=", 1 / 3),
    "bleu": ("difference >=", 5.0),
    "decode_sentences_per_s": (">=", 2.0),
    **{latency: ("<=", 1.0) for latency in LATENCIES},
}
COMPARED = (
    "train_tokens_per_s",
    "peak_rss_gib",
    "bleu",
    "chrf",
    "decode_sentences_per_s",
    *LATENCIES,
    "useful_fraction",
)
USEFUL_WORK_TARGET = 0.30


def _records(run: WorkerRun | None, kind: str) -> list[dict[str, Any]]:
    return [r for r in (run.records if run else []) if r["kind"] == kind]


def toolkit_figures(
    toolkit: str,
    runs: dict[str, WorkerRun],
    model: Seq2SeqConfig,
    lengths: LengthStats,
    shared: SharedData,
    settings: BenchSettings,
    folder: Path,
) -> dict[str, Any]:
    """Figures of one toolkit for one attention (NaN where a worker failed); its
    test hypotheses are written to ``folder/test.hyp.txt``."""
    figures: dict[str, Any] = {
        "errors": [f"{job}: {run.failure()}" for job, run in runs.items() if not run.ok]
    }
    train = (_records(runs.get("train"), "train") or [{}])[0]
    figures.update(
        train_tokens_per_s=train.get("tokens_per_s", math.nan),
        train_seconds_per_step=train.get("seconds_per_step", math.nan),
        trained_s=train.get("trained_s", math.nan),
        train_steps=train.get("steps", 0),
        epochs=train.get("epochs", 0),
        parameters=train.get("parameters", 0),
        batch_size=train.get("batch_size", settings.batch_size),
        peak_rss_gib=runs["train"].peak_rss_gib if "train" in runs else math.nan,
    )
    scaled = _records(runs.get("scale"), "scale")
    figures["scale_train_tokens_per_s"] = {
        str(r["batch_size"]): r["tokens_per_s"] for r in scaled
    }
    decoded = _records(runs.get("decode"), "decode")
    figures["scale_decode_sentences_per_s"] = {
        str(r["batch_size"]): r["sentences_per_s"] for r in decoded
    }
    equal = [r for r in decoded if r["batch_size"] == settings.batch_size]
    figures["decode_sentences_per_s"] = (
        equal[0]["sentences_per_s"] if equal else math.nan
    )
    curve = _records(runs.get("curve"), "curve")
    figures["dev_curve"] = _dev_curve(curve, shared)
    # test outputs of the final weights: the decode job's, else the curve job's
    final = [r for r in curve if r["split"] == "test"]
    tested = equal or final
    figures.update(
        _quality(tested[0]["hypotheses"] if tested else None, shared, folder)
    )
    for kind in LATENCY_KINDS:
        for record in _records(runs.get("decode"), kind):
            method = "greedy" if record["method"] == "greedy" else "beam"
            figures[f"{kind}_{method}_p50_ms"] = record["p50_ms"]
            figures[f"{kind}_{method}_p95_ms"] = record["p95_ms"]
    wiring = None if toolkit == "ours" else False  # Joey never feeds the context
    figures["flops_per_token"] = training_flops_per_token(model, lengths, wiring)
    figures["useful_flops_per_s"] = (
        figures["flops_per_token"] * figures["train_tokens_per_s"]
    )
    return figures


def _quality(
    hypotheses: list[str] | None, shared: SharedData, folder: Path
) -> dict[str, Any]:
    """Test BLEU and chrF++ of the equal-batch beam outputs, with signatures."""
    if not hypotheses:
        return {"bleu": math.nan, "chrf": math.nan}
    references = [pair.target for pair in shared.task().pairs("test")]
    if len(hypotheses) != len(references):
        raise ValueError(
            f"{len(hypotheses)} hypotheses for {len(references)} test references"
        )
    (folder / "test.hyp.txt").write_text("\n".join(hypotheses) + "\n", "utf-8")
    return score(hypotheses, references)


def score(hypotheses: list[str], references: list[str]) -> dict[str, Any]:
    """BLEU (13a) and chrF++ with their signatures: the same calls for both."""
    scored_bleu = bleu(hypotheses, references, bleu_tokenizer_for("de"))
    scored_chrf = chrf(hypotheses, references, word_order=2)
    return {
        "bleu": round(scored_bleu.value, 2),
        "chrf": round(scored_chrf.value, 2),
        "bleu_signature": scored_bleu.signature,
        "chrf_signature": scored_chrf.signature,
    }


def _dev_curve(curve: list[dict[str, Any]], shared: SharedData) -> list[dict]:
    """Dev BLEU and chrF++ at each point of the learning curve, in training order."""
    references = [pair.target for pair in shared.task().pairs("dev")]
    points = []
    for record in (r for r in curve if r["split"] == "dev"):
        scores = score(record["hypotheses"], references)
        points.append(
            {
                "minutes": round(record["trained_s"] / 60, 2),
                "steps": record["steps"],
                "bleu": scores["bleu"],
                "chrf": scores["chrf"],
            }
        )
    return points


def compare_toolkits(
    per_toolkit: dict[str, dict[str, Any]], matmul_flops_per_s: float
) -> dict[str, Any]:
    """Add the useful-work fraction and, with both toolkits, ours/peer ratios."""
    for figures in per_toolkit.values():
        figures["useful_fraction"] = figures["useful_flops_per_s"] / matmul_flops_per_s
    result: dict[str, Any] = dict(per_toolkit)
    if "ours" not in per_toolkit or "joey" not in per_toolkit:
        return result
    ours, peer = per_toolkit["ours"], per_toolkit["joey"]
    comparison = {}
    for name in COMPARED:
        a, b = ours.get(name, math.nan), peer.get(name, math.nan)
        entry = {"ours": a, "joey": b, "ratio": _ratio(a, b)}
        if name == "bleu":
            entry["difference"] = a - b
        if name in TARGETS:
            entry["target"], entry["met"] = _judge(name, entry)
        comparison[name] = entry
    result["ratios"] = comparison
    return result


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def _judge(name: str, entry: dict[str, float]) -> tuple[str, bool]:
    rule, bound = TARGETS[name]
    if rule == "difference >=":
        return f"ours - Joey >= {bound:g}", entry["difference"] >= bound
    value = entry["ratio"]
    shown = "1/3" if math.isclose(bound, 1 / 3) else f"{bound:g}"
    met = value >= bound if rule == ">=" else value <= bound
    return f"ours/Joey {rule} {shown}", bool(met) and not math.isnan(value)
