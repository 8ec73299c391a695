#!/usr/bin/env bash
# Rebuild the demo's bundled checkpoints: train each task with its recipe (the task
# file's model and training defaults; each run stops after 24 minutes on 2 CPU
# cores), then export the best checkpoint with float16 weights to checkpoints/<task>,
# scored on the task's test split (the scores go into the model card).
#   bash scripts/train_default_checkpoints.sh [task ...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(translation summarization dialogue)
for task in "${tasks[@]}"; do
  run="runs/default-$task"
  rm -rf "$run"
  s2s-hub train --task "$task" --train.out_dir "$run" --accelerator cpu --devices 1
  rm -rf "checkpoints/$task"
  s2s-hub export "$run/checkpoints/best.ckpt" "checkpoints/$task" --half \
    --repo_id "s2s-hub/$task"
done
