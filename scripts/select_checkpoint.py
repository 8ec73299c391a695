"""Pick a run's checkpoint on the whole dev split with the task's default decoding.

    python scripts/select_checkpoint.py RUN_DIR

Training keeps ``best.ckpt`` by greedy validation and ``last.ckpt`` (the newest
state), and ``scripts/average_checkpoints.py`` may add an average beside them; what
ships is decoded with the task's default (often beam search), so the choice is made
again with that decoding, on every dev pair. Prints each candidate's dev scores and,
on the last line, the path of the winner.
"""

from __future__ import annotations

import sys
from pathlib import Path

from s2s_hub.evaluation import evaluate
from s2s_hub.files import read_checkpoint
from s2s_hub.predictor import Predictor


def main(run_dir: Path) -> Path:
    candidates = sorted((run_dir / "checkpoints").glob("*.ckpt"))
    if not candidates:
        raise SystemExit(f"{run_dir}/checkpoints holds no .ckpt")
    results = {}
    for path in candidates:
        checkpoint = read_checkpoint(path)
        predictor = Predictor.from_state(checkpoint, path)
        step = checkpoint["global_step"]
        # the baseline is the same for every candidate: not scored here
        evaluation = evaluate(predictor, "dev", with_baseline=False)
        metric = predictor.task.selection_metric
        sign = 1 if predictor.task.selection_mode == "max" else -1
        results[path] = sign * evaluation.scores[metric]
        print(f"{path.name} (step {step}): dev {evaluation.scores}", flush=True)
    best = max(results, key=results.__getitem__)
    print(best)
    return best


if __name__ == "__main__":
    main(Path(sys.argv[1]))
