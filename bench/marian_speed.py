"""Training speed of s2s-hub against Marian 1.12 (C++), same data, model and threads.

    bash bench/marian/setup.sh               # once: pymarian in bench/.marian-venv
    python bench/marian_speed.py             # 10 minutes per toolkit, idle machine

Both train the comparison model (``configs/joey-comparison.yaml``: 2-layer biLSTM
encoder, 2-layer LSTM decoder, 256 units, batch 64 sentences, Adam 1e-3, label
smoothing 0.1) on the shared split and SentencePiece model of ``compare.py``, one
after the other, for the same wall-clock budget at the same threads: ours through
``bench/ours.py train`` (``StepMeter``), Marian through ``bench/marian/worker.py``
(its own log's labels/s). Writes ``bench/results/marian.json`` and prints a table.
Quality at equal time is not compared: Marian's s2s decoder (a conditional LSTM,
Nematus style) is not our Bahdanau decoder, so only the speed of a model of the
same sizes is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from compare import machine
from jobs import write_specs
from settings import PRESETS, REPO
from shared_data import load_shared_data, prepare_shared_data
from workers import python_of, run_worker

BENCH = Path(__file__).resolve().parent
WORKERS = {"ours": BENCH / "ours.py", "marian": BENCH / "marian" / "worker.py"}
VENVS = {"ours": None, "marian": BENCH / ".marian-venv"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget_minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work_dir", type=Path, default=BENCH / ".work" / "marian")
    parser.add_argument(
        "--output", type=Path, default=BENCH / "results" / "marian.json"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    settings = PRESETS["full"].with_options(
        budget_s=args.budget_minutes * 60, threads=args.threads, snapshots=0
    )
    shared_folder = args.work_dir / "shared"
    shared = (
        load_shared_data(shared_folder)
        if (shared_folder / "data.json").exists()
        else prepare_shared_data(settings, shared_folder)
    )
    info = machine()
    results = {}
    for toolkit, script in WORKERS.items():
        folder = args.work_dir / toolkit
        spec = write_specs(settings, shared, "bahdanau", "ours", folder)["train"]
        records = folder / "train.jsonl"
        run = run_worker(
            [python_of(VENVS[toolkit]), str(script), "train", str(spec), str(records)],
            records=records,
            log=folder / "train.log",
            threads=settings.threads,
            rss_limit_gib=settings.rss_limit_gib,
            timeout_s=settings.budget_s + 600,
        )
        trained = next((r for r in run.records if r["kind"] == "train"), {})
        results[toolkit] = {
            **{k: v for k, v in trained.items() if k not in ("kind", "command")},
            "peak_rss_gib": run.peak_rss_gib,
            "errors": [] if run.ok else [run.failure()],
        }
        print(f"{toolkit}: {trained.get('tokens_per_s')} target tokens/s", flush=True)
    info["load_average_end"] = os.getloadavg()[0]
    ratio = results["ours"]["tokens_per_s"] / results["marian"]["tokens_per_s"]
    summary = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["marian_speed.py", *sys.argv[1:]]),
        "machine": info,
        "budget_s": settings.budget_s,
        "threads": settings.threads,
        "toolkits": results,
        "ours_over_marian": round(ratio, 2),
        "target": "ours >= Marian (ratio >= 1)",
        "met": ratio >= 1,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"ours / Marian: {ratio:.2f}x; wrote {args.output}")
    return 0


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
