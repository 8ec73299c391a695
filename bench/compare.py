"""s2s-hub against Joey NMT 2.3.0, on the same data and model: the one command.

    python bench/compare.py            # full run: by hand, on an idle machine
    python bench/compare.py --quick    # tiny data, a minute; Joey if its venv exists

For each attention of the run and each toolkit it runs four workers (``ours.py`` or
``joey/worker.py``): train for the wall-clock budget (training tokens/s, peak
memory, snapshots of the weights, final weights), the training scale series,
decoding (beam batch decoding at each batch size, single-sentence latency) and the
learning curve (dev BLEU at each snapshot, test BLEU at the final weights).
``--jobs`` picks some of them; ``--parallel`` runs the toolkits side by side, each
with ``--threads``: quality at equal CPU time in half the wall-clock. It measures
the matmul rate before and after, scores both toolkits' hypotheses with the same
sacrebleu calls, and writes ``RESULTS.md``, ``results.png``, ``curve.png`` and JSON
files to the results folder (``bench/results``; ``bench/results/quick`` in quick
mode).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import torch
from figures import compare_toolkits, toolkit_figures
from flops import LengthStats
from jobs import DECODING_JOBS, hand_over_weights, recipe_configs, write_specs
from matmul import matmul_flops_per_s
from report import write_curve_plot, write_markdown, write_plot
from settings import JOBS, PRESETS, REPO, VARIANTS, BenchSettings
from shared_data import SharedData, load_shared_data, prepare_shared_data
from workers import WorkerRun, load_worker_run, python_of, run_worker

from s2s_hub.data.dataset import TokenizedPairs
from s2s_hub.tokenizer import Tokenizer

BENCH = Path(__file__).resolve().parent
JOEY_VENV = BENCH / ".joey-venv"
WORKER_SCRIPTS = {"ours": BENCH / "ours.py", "joey": BENCH / "joey" / "worker.py"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny data, ~1 minute")
    parser.add_argument("--toolkits", nargs="+", choices=("ours", "joey"))
    parser.add_argument(
        "--attentions",
        nargs="+",
        choices=VARIANTS,
        help="model variants: RNN attentions, or transformer",
    )
    parser.add_argument(
        "--budget_minutes", type=float, help="training budget of the quality comparison"
    )
    parser.add_argument("--threads", type=int)
    parser.add_argument(
        "--jobs", nargs="+", choices=JOBS, help="workers to run (default: all)"
    )
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="run the toolkits side by side (each with --threads): quality at equal "
        "CPU time; speed figures are then not those of an idle machine",
    )
    parser.add_argument("--results_dir", type=Path)
    parser.add_argument(
        "--work_dir",
        type=Path,
        help="data, checkpoints and logs (default bench/.work/MODE)",
    )
    parser.add_argument("--joey_venv", type=Path, default=JOEY_VENV)
    parser.add_argument(
        "--report_only",
        action="store_true",
        help="no workers: rebuild the results from the work dir's finished workers",
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> BenchSettings:
    settings = PRESETS["quick" if args.quick else "full"]
    budget = args.budget_minutes * 60 if args.budget_minutes else None
    return settings.with_options(
        toolkits=tuple(args.toolkits) if args.toolkits else None,
        attentions=tuple(args.attentions) if args.attentions else None,
        budget_s=budget,
        threads=args.threads,
        jobs=tuple(args.jobs) if args.jobs else None,
        parallel=args.parallel or None,
    )


def run_toolkit(
    settings: BenchSettings,
    shared: SharedData,
    attention: str,
    toolkit: str,
    folder: Path,
    python: str,
) -> dict[str, WorkerRun]:
    """The workers of one toolkit (``settings.jobs``, in order), run by ``python``."""
    specs = write_specs(settings, shared, attention, toolkit, folder)
    runs: dict[str, WorkerRun] = {}
    for job in settings.jobs:
        if job in DECODING_JOBS:
            if not left_weights(runs):
                continue
            hand_over_weights(specs[job], runs["train"].records)
        records, log = worker_files(folder, job)
        runs[job] = run_worker(
            [python, str(WORKER_SCRIPTS[toolkit]), job, str(specs[job]), str(records)],
            records=records,
            log=log,
            threads=settings.threads,
            rss_limit_gib=settings.rss_limit_gib,
            timeout_s=settings.worker_timeout_s + settings.budget_s,
        )
        print(
            f"[{attention}/{toolkit}] {job}: {runs[job].seconds:.0f} s, peak "
            f"{runs[job].peak_rss_gib:.2f} GiB",
            flush=True,
        )
        if not runs[job].ok:
            print(f"[{attention}/{toolkit}] {job} failed: {runs[job].failure()}")
    return runs


def left_weights(runs: dict[str, WorkerRun]) -> bool:
    """Whether the train job finished with final weights for the decoding jobs."""
    records = runs["train"].records if "train" in runs else []
    return any(record["kind"] == "train" for record in records)


def worker_files(folder: Path, job: str) -> tuple[Path, Path]:
    """Where a worker writes its records and its log."""
    return folder / f"{job}.jsonl", folder / f"{job}.log"


def read_toolkit(folder: Path, jobs: tuple[str, ...]) -> dict[str, WorkerRun]:
    """The finished workers of one toolkit, read back (``--report_only``); as in a
    run, no decoding jobs when training left no final weights."""
    runs: dict[str, WorkerRun] = {}
    for job in jobs:
        if job in DECODING_JOBS and not left_weights(runs):
            continue
        runs[job] = load_worker_run(*worker_files(folder, job))
    return runs


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) / 2**20
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0.0,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_average_start": os.getloadavg()[0],
    }


def training_lengths(shared: SharedData) -> LengthStats:
    """Lengths of the training examples as both toolkits train them."""
    task = shared.task()
    pairs = TokenizedPairs(
        task.pairs("train"),
        Tokenizer.load(shared.tokenizer_path),
        task.max_source_tokens,
        task.max_target_tokens,
    )
    return LengthStats.measure(pairs.source_lengths, pairs.target_lengths)


def available_toolkits(settings: BenchSettings, venv: Path) -> tuple[list, list]:
    """The toolkits this run can measure, and a note for each one it cannot."""
    toolkits, notes = list(settings.toolkits), []
    if "joey" in toolkits and not (venv / "bin" / "python").exists():
        toolkits.remove("joey")
        notes.append(
            f"Joey NMT not measured: no venv at {venv} "
            "(create it with bench/joey/setup.sh)"
        )
        print(notes[-1], flush=True)
    return toolkits, notes


def toolkit_runs(
    settings: BenchSettings,
    shared: SharedData,
    attention: str,
    work: Path,
    joey_venv: Path,
    report_only: bool,
    toolkit: str,
) -> dict[str, WorkerRun]:
    """One toolkit's workers for one attention: run, or read back."""
    folder = work / attention / toolkit
    if report_only:
        return read_toolkit(folder, settings.jobs)
    python = python_of(joey_venv if toolkit == "joey" else None)
    return run_toolkit(settings, shared, attention, toolkit, folder, python)


def measure(
    settings: BenchSettings,
    toolkits: list[str],
    shared: SharedData,
    work: Path,
    joey_venv: Path,
    lengths: LengthStats,
    report_only: bool = False,
) -> dict[str, dict[str, Any]]:
    """Figures of every toolkit for every attention (no ratios yet)."""
    measured: dict[str, dict[str, Any]] = {}
    for attention in settings.attentions:
        model, *_ = recipe_configs(settings, shared, attention, work)
        runs_of = partial(
            toolkit_runs, settings, shared, attention, work, joey_venv, report_only
        )
        with ThreadPoolExecutor(len(toolkits) if settings.parallel else 1) as pool:
            runs = dict(zip(toolkits, pool.map(runs_of, toolkits), strict=True))
        measured[attention] = {
            toolkit: toolkit_figures(
                toolkit,
                runs[toolkit],
                model,
                lengths,
                shared,
                settings,
                work / attention / toolkit,
            )
            for toolkit in toolkits
        }
    return measured


def write_results(comparison: dict[str, Any], folder: Path) -> None:
    """``comparison.json``, one JSON per toolkit and attention, the table, the plot."""
    folder.mkdir(parents=True, exist_ok=True)
    for attention, result in comparison["attentions"].items():
        for toolkit in ("ours", "joey"):
            if toolkit in result:
                path = folder / f"{toolkit}-{attention}.json"
                path.write_text(json.dumps(result[toolkit], indent=2) + "\n")
    summary = json.dumps(comparison, indent=2) + "\n"
    (folder / "comparison.json").write_text(summary)
    write_markdown(comparison, folder / "RESULTS.md")
    write_plot(comparison, folder / "results.png")
    curve = ", curve.png" if write_curve_plot(comparison, folder / "curve.png") else ""
    print(f"wrote {folder}/RESULTS.md, results.png{curve} and JSON", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    work = args.work_dir or BENCH / ".work" / settings.mode
    toolkits, notes = available_toolkits(settings, args.joey_venv)
    info = machine()
    info["matmul_flops_per_s_start"] = matmul_flops_per_s(
        settings.threads, settings.matmul_seconds
    )
    if args.report_only:
        shared = load_shared_data(work / "shared")
        notes.append(
            f"Rebuilt with --report_only from the finished workers in {work}; the "
            "matmul rate and load average are from the time of the rebuild."
        )
    else:
        shared = prepare_shared_data(settings, work / "shared")
    lengths = training_lengths(shared)
    measured = measure(
        settings, toolkits, shared, work, args.joey_venv, lengths, args.report_only
    )
    info["matmul_flops_per_s_end"] = matmul_flops_per_s(
        settings.threads, settings.matmul_seconds
    )
    info["load_average_end"] = os.getloadavg()[0]
    # the machine's limit: the better of the two measurements
    limit = max(info["matmul_flops_per_s_start"], info["matmul_flops_per_s_end"])
    comparison = {
        "mode": settings.mode,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": info,
        "settings": asdict(settings),
        "data": {**shared.to_dict(), "lengths": asdict(lengths)},
        "notes": notes,
        "attentions": {
            attention: compare_toolkits(per_toolkit, limit)
            for attention, per_toolkit in measured.items()
        },
    }
    quick = "quick" if args.quick else ""
    write_results(comparison, args.results_dir or BENCH / "results" / quick)
    return 0


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
