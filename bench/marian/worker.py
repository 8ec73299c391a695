"""Marian's side of the training-speed comparison, run by ``bench/marian_speed.py``.

    bench/.marian-venv/bin/python bench/marian/worker.py train SPEC RECORDS
    bench/.marian-venv/bin/python bench/marian/worker.py decode SPEC RECORDS

``train`` runs Marian's own trainer (``pymarian train``, the ``marian`` command of
the wheel) on the shared split with the comparison model of ``SPEC`` translated to
Marian's options, and stops it once the wall-clock budget is spent. Marian's
steps cannot be hooked from Python, so its rate comes from its own log: every
``--disp-freq`` updates it prints the target labels per second of the interval
(eos included, as our ``StepMeter`` counts); the rate is the labels of every
interval after the first over their seconds. Stopped by SIGTERM, Marian saves
its model (``--sigterm save-and-exit``, its default), and ``decode`` translates
the shared dev and test sources with it (``pymarian decode``, beam
``spec["beam_size"]``, scores divided by length, ``--normalize 1``) for the
equal-time quality comparison; the caller scores the outputs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: instruments

from instruments import Records, read_spec  # noqa: E402

PYMARIAN = Path(sys.executable).parent / "pymarian"
# "Ep. 1 : Up. 20 : Sen. 1,280 : Cost 7.41 : Time 21.50s : 1234.56 words/s"
PROGRESS = re.compile(
    r"Ep\. (?P<epoch>\d+) : Up\. (?P<updates>\d+) .* Time (?P<seconds>[\d.]+)s : "
    r"(?P<rate>[\d.]+) words/s"
)
DISPLAY_EVERY = 10  # updates


def marian_options(spec: dict[str, Any], run_dir: Path) -> list[str]:
    """The comparison model and recipe (``configs/joey-comparison.yaml``) in
    Marian's terms: the s2s model (biLSTM encoder, conditional LSTM decoder with
    additive attention), the shared SentencePiece model as both vocabularies."""
    model, train = spec["model"], spec["train"]
    vocab = run_dir / "vocab.spm"  # Marian recognises SentencePiece by the suffix
    shutil.copyfile(spec["tokenizer"], vocab)
    data = Path(spec["data_dir"])
    return [
        "--type", "s2s",
        "--model", str(run_dir / "marian-model.npz"),
        "--train-sets", str(data / "train.en"), str(data / "train.de"),
        "--vocabs", str(vocab), str(vocab),
        "--dim-emb", str(model["emb_size"]),
        "--dim-rnn", str(model["hidden_size"]),
        "--enc-type", "bidirectional" if model["bidirectional"] else "alternating",
        "--enc-cell", model["cell"],
        "--enc-depth", str(model["encoder_layers"]),
        "--dec-cell", model["cell"],
        "--dec-depth", str(model["decoder_layers"]),
        "--dropout-rnn", str(model["dropout"]),
        "--mini-batch", str(train["batch_size"]),
        "--maxi-batch", "100",
        "--max-length", "110",
        "--learn-rate", str(train["lr"]),
        "--label-smoothing", str(train["label_smoothing"]),
        "--clip-norm", str(train["gradient_clip_val"]),
        "--cpu-threads", str(spec["threads"]),
        "--disp-freq", f"{DISPLAY_EVERY}u",
        "--save-freq", "1000000u",
        "--seed", "1",
        "--log", str(run_dir / "marian-train.log"),
    ]  # fmt: skip


def train(spec: dict[str, Any], records: Records) -> None:
    """Train for the budget (from the start of the process: Marian's own set-up,
    vocabulary and data loading included, which is at most seconds)."""
    run_dir = Path(spec["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    command = [str(PYMARIAN), "train", *marian_options(spec, run_dir)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    while process.poll() is None and time.perf_counter() - started < spec["budget_s"]:
        time.sleep(1.0)
    process.terminate()
    process.wait()
    seconds = time.perf_counter() - started
    log = (run_dir / "marian-train.log").read_text("utf-8", errors="replace")
    intervals = [match.groupdict() for match in PROGRESS.finditer(log)]
    records.write("train", **rate(intervals), process_s=round(seconds, 1),
                  batch_size=spec["train"]["batch_size"], command=command)  # fmt: skip


def rate(intervals: list[dict[str, str]]) -> dict[str, Any]:
    """Target labels per second over every logged interval after the first."""
    measured = intervals[1:]
    seconds = sum(float(i["seconds"]) for i in measured)
    labels = sum(float(i["rate"]) * float(i["seconds"]) for i in measured)
    last = intervals[-1] if intervals else {"updates": 0, "epoch": 0}
    return {
        "steps": int(last["updates"]),
        "epochs": int(last["epoch"]),
        "measured_steps": DISPLAY_EVERY * len(measured),
        "measured_seconds": round(seconds, 3),
        "tokens_per_s": round(labels / seconds, 1) if seconds else float("nan"),
        "seconds_per_step": round(seconds / (DISPLAY_EVERY * len(measured)), 4)
        if measured
        else float("nan"),
    }


def decode(spec: dict[str, Any], records: Records) -> None:
    """Dev and test translations of the trained model, one record per split."""
    run_dir, data = Path(spec["run_dir"]), Path(spec["data_dir"])
    vocab = run_dir / "vocab.spm"
    for split in ("dev", "test"):
        output = run_dir / f"{split}.hyp.txt"
        command = [
            str(PYMARIAN), "decode",
            "--models", str(run_dir / "marian-model.npz"),
            "--vocabs", str(vocab), str(vocab),
            "--input", str(data / f"{split}.en"),
            "--output", str(output),
            "--beam-size", str(spec["beam_size"]),
            "--normalize", "1",
            "--mini-batch", "64", "--maxi-batch", "100",
            "--cpu-threads", str(spec["threads"]),
            "--quiet",
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, check=True)
        hypotheses = output.read_text("utf-8").splitlines()
        seconds = round(time.perf_counter() - started, 1)
        records.write("decode", split=split, seconds=seconds, hypotheses=hypotheses)


COMMANDS = {"train": train, "decode": decode}


def main() -> None:
    command, spec_path, records_path = sys.argv[1:4]
    COMMANDS[command](read_spec(spec_path), Records(records_path))


if __name__ == "__main__":
    main()
