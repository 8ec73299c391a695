#!/usr/bin/env bash
# Rebuild the demo's bundled checkpoints. For each task: train with its recipe until
# dev stops improving (early stopping) or MAX_TIME ends the sitting, continuing the
# run if its folder exists (--resume true); choose between best.ckpt and last.ckpt on
# the whole dev split with the task's default decoding; export the winner with
# float16 weights to checkpoints/<task>, scored on the test split beside the task's
# baseline, with the run's learning curve in the card.
#   bash scripts/train_default_checkpoints.sh [task ...]   (default: the three data tasks)
# RUNS (default ~/.cache/s2s-hub/runs) keeps the runs outside the work tree, so that a
# later session continues them. MAX_TIME (DD:HH:MM:SS, default 00:02:00:00) bounds a
# sitting. With PARALLEL=1 the tasks train at the same time, one thread each (on 2
# cores this gets more done than one 2-thread run after another); each run's output
# then goes to $RUNS/<task>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-$HOME/.cache/s2s-hub/runs}
MAX_TIME=${MAX_TIME:-00:02:00:00}
tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(translation summarization dialogue)

train_and_export() {
  local task=$1 run="$RUNS/$1" resume=false
  [ -f "$run/checkpoints/last.ckpt" ] && resume=true
  s2s-hub train --task "$task" --train.out_dir "$run" --train.max_time "$MAX_TIME" \
    --resume "$resume" --accelerator cpu --devices 1
  local chosen
  chosen=$(s2s-hub select "$run" | tail -n 1)
  rm -rf "checkpoints/$task"
  s2s-hub export "$chosen" "checkpoints/$task" --half --repo_id "s2s-hub/$task"
}

mkdir -p "$RUNS"
for task in "${tasks[@]}"; do
  if [ -n "${PARALLEL:-}" ]; then
    OMP_NUM_THREADS=1 train_and_export "$task" > "$RUNS/$task.log" 2>&1 &
  else
    train_and_export "$task"
  fi
done
wait
