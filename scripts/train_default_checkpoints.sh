#!/usr/bin/env bash
# Rebuild the demo's bundled checkpoints: train each task with its recipe (the task
# file's model and training defaults: each run stops after 28 minutes), then export
# the best checkpoint with float16 weights to checkpoints/<task>, scored on the
# task's test split (the scores go into the model card).
#   bash scripts/train_default_checkpoints.sh [task ...]   (default: every built-in task)
# With PARALLEL=1 the tasks train at the same time, one thread each (on 2 cores this
# gets more done in the same wall-clock time than one 2-thread run after another);
# each run's output then goes to runs/default-<task>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(translation summarization dialogue reverse)

train_and_export() {
  local task=$1 run="runs/default-$1"
  rm -rf "$run"
  s2s-hub train --task "$task" --train.out_dir "$run" --accelerator cpu --devices 1
  rm -rf "checkpoints/$task"
  s2s-hub export "$run/checkpoints/best.ckpt" "checkpoints/$task" --half \
    --repo_id "s2s-hub/$task"
}

mkdir -p runs
for task in "${tasks[@]}"; do
  if [ -n "${PARALLEL:-}" ]; then
    OMP_NUM_THREADS=1 train_and_export "$task" > "runs/default-$task.log" 2>&1 &
  else
    train_and_export "$task"
  fi
done
wait
