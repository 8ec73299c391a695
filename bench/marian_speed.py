"""Training speed of s2s-hub against Marian 1.12 (C++), same data, model and threads.

    bash bench/marian/setup.sh               # once: pymarian in bench/.marian-venv
    python bench/marian_speed.py             # 10 minutes per toolkit, idle machine

Both train the comparison model (``configs/joey-comparison.yaml``: 2-layer biLSTM
encoder, 2-layer LSTM decoder, 256 units, batch 64 sentences, Adam 1e-3, label
smoothing 0.1) on the shared split and SentencePiece model of ``compare.py``, one
after the other, for the same wall-clock budget at the same threads: ours through
``bench/ours.py train`` (``StepMeter``), Marian through ``bench/marian/worker.py``
(its own log's labels/s). Writes ``bench/results/marian.json`` and prints a table.

``--quality`` adds quality at equal time: after its budget Marian's model decodes
the dev and test split (beam 5), scored with the calls of ``compare.py``
(``figures.score``), to set beside our model's figures after the same minutes
in a ``compare.py`` run on the same shared split. Marian's s2s decoder is a
conditional LSTM (Nematus style), not our Bahdanau decoder, so that compares two
recipes of the same sizes, not one model. ``--shared_dir`` reuses the split and
SentencePiece model of an earlier ``compare.py`` run (its ``WORK_DIR/shared``),
and ``--toolkits marian`` trains Marian alone, to set beside that run's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from compare import machine
from figures import score
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
    parser.add_argument("--toolkits", default="ours,marian", help="comma-separated")
    parser.add_argument(
        "--quality",
        action="store_true",
        help="also decode dev and test after the budget and score them",
    )
    parser.add_argument(
        "--shared_dir",
        type=Path,
        help="the shared split of an earlier run (default: WORK_DIR/shared)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    settings = PRESETS["full"].with_options(
        budget_s=args.budget_minutes * 60, threads=args.threads, snapshots=0
    )
    shared_folder = args.shared_dir or args.work_dir / "shared"
    shared = (
        load_shared_data(shared_folder)
        if (shared_folder / "data.json").exists()
        else prepare_shared_data(settings, shared_folder)
    )
    info = machine()
    results = {}
    for toolkit in args.toolkits.split(","):
        folder = args.work_dir / toolkit
        specs = write_specs(settings, shared, "bahdanau", "ours", folder)
        trained, run = _job(toolkit, "train", specs["train"], folder, settings)
        results[toolkit] = {
            **{k: v for k, v in trained.items() if k not in ("kind", "command")},
            "peak_rss_gib": run.peak_rss_gib,
            "errors": [] if run.ok else [run.failure()],
        }
        print(f"{toolkit}: {trained.get('tokens_per_s')} target tokens/s", flush=True)
        if args.quality and run.ok and toolkit == "marian":
            results[toolkit].update(_quality(specs, folder, settings, shared))
    info["load_average_end"] = os.getloadavg()[0]
    if set(results) != set(WORKERS):  # one toolkit: its figures only
        _write(args, info, settings, results, {})
        return 0
    ratio = results["ours"]["tokens_per_s"] / results["marian"]["tokens_per_s"]
    verdict = {
        "ours_over_marian": round(ratio, 2),
        "target": "ours >= Marian (ratio >= 1)",
        "met": ratio >= 1,
    }
    _write(args, info, settings, results, verdict)
    print(f"ours / Marian: {ratio:.2f}x")
    return 0


def _job(toolkit: str, job: str, spec: Path, folder: Path, settings) -> tuple:
    """One worker job of a toolkit: its first record of that kind, and the run."""
    records = folder / f"{job}.jsonl"
    script = str(WORKERS[toolkit])
    run = run_worker(
        [python_of(VENVS[toolkit]), script, job, str(spec), str(records)],
        records=records,
        log=folder / f"{job}.log",
        threads=settings.threads,
        rss_limit_gib=settings.rss_limit_gib,
        timeout_s=settings.budget_s + 600,
    )
    return next((r for r in run.records if r["kind"] == job), {}), run


def _quality(specs: dict, folder: Path, settings, shared) -> dict:
    """Dev and test BLEU / chrF++ of Marian's model after its budget (ours comes
    from ``compare.py``'s curve job, on the same shared split)."""
    spec = json.loads(Path(specs["train"]).read_text())
    spec["beam_size"] = settings.beam_size
    decode_spec = folder / "decode.spec.json"
    decode_spec.write_text(json.dumps(spec))
    _, run = _job("marian", "decode", decode_spec, folder, settings)
    scores = {}
    for record in (r for r in run.records if r["kind"] == "decode"):
        split = record["split"]
        references = [pair.target for pair in shared.task().pairs(split)]
        scores[split] = score(record["hypotheses"], references)
        scores[split]["decode_s"] = record["seconds"]
    return scores


def _write(args, info: dict, settings, results: dict, verdict: dict) -> None:
    summary = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["marian_speed.py", *sys.argv[1:]]),
        "machine": info,
        "budget_s": settings.budget_s,
        "threads": settings.threads,
        "toolkits": results,
        **verdict,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
