#!/usr/bin/env bash
# The three built-in recipes on one GPU (the `device` machine some sessions are lent),
# in one call: each task trains for MINUTES (default 9) in bf16 autocast, continuing
# RUNS/<task> when it exists, then the runs' folders are left under RUNS for the
# caller to bring back (select_checkpoint.py and `s2s-hub export --half` run on the
# CPU machine afterwards, as in train_default_checkpoints.sh). The CPU path stays
# the documented one; this only buys minutes of training.
#   RUNS=$OUT/runs MINUTES=9 bash scripts/train_on_gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-$HOME/.cache/s2s-hub/runs}
MINUTES=${MINUTES:-9}
mkdir -p "$RUNS"
for task in translation summarization dialogue; do
  resume=false
  [ -f "$RUNS/$task/checkpoints/last.ckpt" ] && resume=true
  # the three share the GPU: each is small (7M parameters) and CPU-bound on its loop
  s2s-hub train --task "$task" --train.out_dir "$RUNS/$task" --resume "$resume" \
    --train.max_time "00:00:$(printf %02d "$MINUTES"):00" \
    --train.precision bf16-mixed --accelerator gpu --devices 1 \
    > "$RUNS/$task.gpu.log" 2>&1 &
done
wait
tail -n 3 "$RUNS"/*.gpu.log
