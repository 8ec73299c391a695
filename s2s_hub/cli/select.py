"""``s2s-hub select``: pick a run's checkpoint on the whole dev split with the
task's default decoding.

Training keeps ``best.ckpt`` by greedy validation and ``last.ckpt`` (the newest
state), and ``s2s-hub average`` may add an average beside them; what ships is
decoded with the task's default (often beam search), so the choice is made again
with that decoding, on every dev pair. Prints each candidate's dev scores and, on
the last line, the path of the winner.
"""

from __future__ import annotations

from pathlib import Path

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import command_parser

HELP = "Pick a run's checkpoint on the dev split with the default decoding."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument(
        "run_dir", type=str, help="A run folder of s2s-hub train: RUN_DIR/checkpoints"
    )
    return parser


def check(args: Namespace) -> None:
    checks.refuse(
        checks.folder("RUN_DIR", args.run_dir)
        or (
            ""
            if any((Path(args.run_dir) / "checkpoints").glob("*.ckpt"))
            else f"RUN_DIR: {args.run_dir}/checkpoints holds no .ckpt"
        )
    )


def run(args: Namespace) -> None:
    candidates = sorted((Path(args.run_dir) / "checkpoints").glob("*.ckpt"))
    from s2s_hub.evaluation.run import evaluate
    from s2s_hub.files import read_checkpoint
    from s2s_hub.predictor import Predictor

    results = {}
    for path in candidates:
        checkpoint = read_checkpoint(path)
        predictor = Predictor.from_state(checkpoint, path)
        # the baseline is the same for every candidate: not scored here
        evaluation = evaluate(predictor, "dev", with_baseline=False)
        sign = 1 if predictor.task.selection_mode == "max" else -1
        results[path] = sign * evaluation.scores[predictor.task.selection_metric]
        step = checkpoint["global_step"]
        print(f"{path.name} (step {step}): dev {evaluation.scores}", flush=True)
    print(max(results, key=results.__getitem__))
