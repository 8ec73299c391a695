"""The comparison as a markdown table (``RESULTS.md``) and plots (``results.png``:
speed; ``curve.png``: dev BLEU against training time)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from figures import LATENCIES, TARGETS, USEFUL_WORK_TARGET  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FuncFormatter,
    LogLocator,
    NullFormatter,
)
from settings import REPO, recipe_of  # noqa: E402

TOOLKITS = {"ours": "s2s-hub", "joey": "Joey NMT 2.3.0"}


def _latency_label(key: str) -> str:
    """``latency_equal_beam_p50_ms`` -> "single sentence at reference length, beam
    {beam}, p50 ms"."""
    kind, method, quantile, _ = key.rsplit("_", 3)
    where = " at reference length" if kind == "latency_equal" else ""
    searched = "greedy" if method == "greedy" else "beam {beam}"
    return f"single sentence{where}, {searched}, {quantile} ms"


# figure key, label, format of a value
ROWS: list[tuple[str, str, str]] = [
    ("train_tokens_per_s", "training, target tokens/s (batch {batch})", "{:,.0f}"),
    ("peak_rss_gib", "peak resident memory while training, GiB", "{:.2f}"),
    ("bleu", "test BLEU after {budget} of training", "{:.2f}"),
    ("chrf", "test chrF++ after {budget} of training", "{:.2f}"),
    (
        "decode_sentences_per_s",
        "beam-{beam} batch decoding of the test set, sentences/s (batch {batch})",
        "{:,.1f}",
    ),
    *((latency, _latency_label(latency), "{:.1f}") for latency in LATENCIES),
    ("flops_per_token", "training MFLOP per target token (analytic)", "{:.1f}"),
    ("useful_fraction", "useful work: FLOP/token x tokens/s / matmul rate", "{:.1%}"),
    ("parameters", "parameters", "{:,}"),
    ("train_steps", "training steps in the budget", "{:,}"),
]


def _fmt(value: Any, pattern: str, scale: float = 1.0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return pattern.format(value / scale if scale != 1.0 else value)


def _duration(seconds: float) -> str:
    return f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:g} min"


def _header(comparison: dict[str, Any]) -> list[str]:
    machine, settings = comparison["machine"], comparison["settings"]
    data = comparison["data"]
    overrides = settings["model_overrides"]
    overrides = f" with {overrides}" if overrides else ""
    gflops = [
        machine.get(f"matmul_flops_per_s_{when}", math.nan) / 1e9
        for when in ("start", "end")
    ]
    lines = [
        "# s2s-hub and Joey NMT 2.3.0, side by side",
        "",
        f"Measured {comparison['date']} ({comparison['mode']} mode) with "
        f"`python bench/{comparison['command']}` on {machine['cpu']}, "
        f"{machine['cores']} cores, {machine['memory_gib']} GiB, Python "
        f"{machine['python']}, torch {machine['torch']}, "
        f"threads: {settings['threads']}"
        f"{', toolkits run side by side' if settings.get('parallel') else ''}. "
        f"Load average {machine['load_average_start']:.2f} at the start, "
        f"{machine.get('load_average_end', math.nan):.2f} at the end; fp32 1024^2 "
        f"matmul {gflops[0]:.0f} / {gflops[1]:.0f} GFLOP/s (start / end).",
        "",
        f"Data: translation en-de, {data['counts']['train']:,} / "
        f"{data['counts']['dev']:,} / {data['counts']['test']:,} pairs "
        f"(train / dev / test), one SentencePiece model of {data['vocab_size']:,} "
        f"pieces. Model: {_recipes(comparison)}{overrides}; "
        f"batch {settings['batch_size']} sentences for both toolkits.",
    ]
    lines.append("\nHow each figure is measured: `bench/README.md`.")
    lines += [f"\n**Note:** {note}" for note in comparison["notes"]]
    return lines


def _table(comparison: dict[str, Any], attention: str) -> list[str]:
    settings = comparison["settings"]
    result = comparison["attentions"][attention]
    ratios = result.get("ratios", {})
    budget = _duration(settings["budget_s"])
    lines = [
        f"\n## {_title(attention)}\n",
        "| figure | s2s-hub | Joey NMT 2.3.0 | ours/Joey | target |",
        "|---|---|---|---|---|",
    ]
    for key, label, pattern in ROWS:
        scale = 1e6 if key == "flops_per_token" else 1.0
        cells = [_fmt(result.get(t, {}).get(key), pattern, scale) for t in TOOLKITS]
        entry = ratios.get(key, {})
        ratio = _fmt(entry.get("ratio"), "{:.2f}x") if key in ratios else ""
        if key == "bleu" and "difference" in entry:
            ratio = _fmt(entry["difference"], "{:+.2f}")
        target = ""
        if "target" in entry:
            target = f"{entry['target']}: {'met' if entry['met'] else 'missed'}"
        elif key == "useful_fraction":
            target = f"ours >= {USEFUL_WORK_TARGET:.0%}"
        label = label.format(
            batch=settings["batch_size"], budget=budget, beam=settings["beam_size"]
        )
        lines.append(f"| {label} | {' | '.join(cells)} | {ratio} | {target} |")
    lines += _scale_table(result)
    lines += _curve_table(result)
    lines += _footnotes(result)
    return lines


def _recipes(comparison: dict[str, Any]) -> str:
    """The recipe files of the variants compared, as Markdown code."""
    paths = {recipe_of(variant) for variant in comparison["attentions"]}
    return " and ".join(sorted(f"`{path.relative_to(REPO)}`" for path in paths))


def _title(variant: str) -> str:
    return "Transformer" if variant == "transformer" else f"{variant} attention"


def _curve_table(result: dict[str, Any]) -> list[str]:
    """Dev BLEU / chrF++ at each snapshot of each toolkit (none without a curve)."""
    rows = [
        (name, point)
        for toolkit, name in TOOLKITS.items()
        for point in result.get(toolkit, {}).get("dev_curve", [])
    ]
    if not rows:
        return []
    lines = [
        "\nLearning curve (beam search on the whole dev split at each snapshot):\n",
        "| toolkit | minutes of training | steps | dev BLEU | dev chrF++ |",
        "|---|---|---|---|---|",
    ]
    for name, point in rows:
        lines.append(
            f"| {name} | {point['minutes']:.1f} | {point['steps']:,} "
            f"| {point['bleu']:.2f} | {point['chrf']:.2f} |"
        )
    return lines


def _scale_table(result: dict[str, Any]) -> list[str]:
    ours, peer = result.get("ours", {}), result.get("joey", {})
    sizes = sorted(
        {int(b) for t in (ours, peer) for b in t.get("scale_train_tokens_per_s", {})}
        | {
            int(b)
            for t in (ours, peer)
            for b in t.get("scale_decode_sentences_per_s", {})
        }
    )
    if not sizes:  # a run without the scale and decode jobs
        return []
    lines = [
        "\nScale (batch size in sentences):\n",
        "| batch | training tokens/s, s2s-hub | Joey | ours/Joey "
        "| beam decoding sentences/s, s2s-hub | Joey | ours/Joey |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        cells = [str(size)]
        for key, pattern in (
            ("scale_train_tokens_per_s", "{:,.0f}"),
            ("scale_decode_sentences_per_s", "{:,.1f}"),
        ):
            a = ours.get(key, {}).get(str(size), math.nan)
            b = peer.get(key, {}).get(str(size), math.nan)
            cells += [
                _fmt(a, pattern),
                _fmt(b, pattern),
                _fmt(a / b if b and not math.isnan(b) else math.nan, "{:.2f}x"),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _footnotes(result: dict[str, Any]) -> list[str]:
    lines = []
    for toolkit, name in TOOLKITS.items():
        figures = result.get(toolkit, {})
        if "bleu_signature" in figures:
            lines.append(
                f"\n{name}: BLEU `{figures['bleu_signature']}`, "
                f"chrF `{figures['chrf_signature']}`."
            )
        for error in figures.get("errors", []):
            lines.append(f"\n{name} failed: {error}")
    return lines


def write_markdown(comparison: dict[str, Any], path: Path) -> None:
    lines = _header(comparison)
    for attention in comparison["attentions"]:
        lines += _table(comparison, attention)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_plot(comparison: dict[str, Any], path: Path) -> None:
    """Training and decoding scale curves, and each ratio against its target."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    panels = (
        ("scale_train_tokens_per_s", "training target tokens/s"),
        ("scale_decode_sentences_per_s", "beam decoding sentences/s"),
    )
    for axis, (key, title) in zip(axes[:2], panels, strict=True):
        for attention, result in comparison["attentions"].items():
            for toolkit, name in TOOLKITS.items():
                series = result.get(toolkit, {}).get(key, {})
                points = sorted(
                    (int(b), v) for b, v in series.items() if not math.isnan(v)
                )
                if points:
                    axis.plot(
                        *zip(*points, strict=True),
                        marker="o",
                        linestyle="-" if toolkit == "ours" else "--",
                        label=f"{name}, {attention}",
                    )
        axis.set(
            xscale="log", yscale="log", xlabel="batch size (sentences)", title=title
        )
        sizes = comparison["settings"]["scale_base"] * np.array([1, 4, 16])
        axis.set_xticks(sizes, [str(size) for size in sizes])
        axis.xaxis.set_minor_formatter(NullFormatter())
        _label_log_axis(axis.yaxis)
        axis.grid(True, which="both", alpha=0.3)
        if axis.lines:
            axis.legend(fontsize=8)
    _ratio_panel(axes[2], comparison)
    fig.suptitle(
        f"s2s-hub vs Joey NMT 2.3.0 ({comparison['mode']} mode, "
        f"{comparison['date'][:10]})"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_curve_plot(comparison: dict[str, Any], path: Path) -> bool:
    """Dev BLEU of both toolkits against minutes and steps of training; False (and
    no file) when the run had no learning curve."""
    curves = [
        (f"{name}, {attention}", toolkit, result[toolkit]["dev_curve"])
        for attention, result in comparison["attentions"].items()
        for toolkit, name in TOOLKITS.items()
        if result.get(toolkit, {}).get("dev_curve")
    ]
    if not curves:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, toolkit, points in curves:
        style = {"marker": "o", "linestyle": "-" if toolkit == "ours" else "--"}
        bleu = [point["bleu"] for point in points]
        axes[0].plot([point["minutes"] for point in points], bleu, label=label, **style)
        axes[1].plot([point["steps"] for point in points], bleu, label=label, **style)
    settings = comparison["settings"]
    threads = f"{settings['threads']} thread{'s' if settings['threads'] > 1 else ''}"
    axes[0].set(xlabel=f"minutes of training ({threads} each)", ylabel="dev BLEU")
    axes[1].set(xlabel="training steps", xscale="log", ylabel="dev BLEU")
    _label_log_axis(axes[1].xaxis)
    for axis in axes:
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    fig.suptitle(f"Dev BLEU against training time ({comparison['date'][:10]})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _ratio_panel(axis: Any, comparison: dict[str, Any]) -> None:
    names = [n for n in TARGETS if n != "bleu"]
    labels, values, bounds, colors = [], [], [], []
    for attention, result in comparison["attentions"].items():
        for name in names:
            entry = result.get("ratios", {}).get(name)
            if entry and not math.isnan(entry["ratio"]):
                labels.append(f"{name.replace('_', ' ')}\n({attention})")
                values.append(entry["ratio"])
                bounds.append(TARGETS[name][1])
                colors.append("tab:green" if entry["met"] else "tab:red")
    axis.set_title("ours / Joey: met (green) or missed (red) the target (x)")
    if not values:
        axis.text(0.5, 0.5, "Joey NMT not measured", ha="center", va="center")
        axis.set_axis_off()
        return
    rows = range(len(values))
    axis.barh(rows, values, color=colors)
    axis.scatter(bounds, rows, marker="x", color="black", zorder=3)
    axis.set_yticks(list(rows), labels, fontsize=7)
    axis.set_xscale("log")
    _label_log_axis(axis.xaxis)
    axis.axvline(1.0, color="gray", linewidth=0.8)


def _label_log_axis(axis: Any) -> None:
    """Plain numbers at 1, 2 and 5 times powers of ten."""
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())
