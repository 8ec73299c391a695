#!/usr/bin/env bash
# Training on the GPU machine some sessions are lent (the `device` tool), in one call
# of at most 10 minutes. Every run of PLAN (one a line: NAME TASK FLAGS...) trains at
# the same time on the one GPU for MINUTES: an RNN step is a chain of small kernels,
# so one run keeps a GPU mostly waiting on its Python loop, and several share it
# well. Then scripts/pack_gpu_runs.py puts each task's best run (float16, without
# optimizer state) and every run's logs into OUT as parts of one tar:
#   cat OUT/runs.tar.* | tar -x -C ~/.cache/s2s-hub/runs
# A run that fails on the GPU goes on from its last checkpoint on the machine's CPU
# cores for the minutes left, so that the call still brings something back.
#   OUT=/tmp/gpu MINUTES=7 bash scripts/train_on_gpu.sh [PLAN]
# The CPU path (README, docs/recipes.md) stays the documented one; this only buys
# minutes of training.
set -uo pipefail
cd "$(dirname "$0")/.."
PLAN=${1:-scripts/gpu_plan.txt}
OUT=${OUT:?set OUT to the folder to bring back}
MINUTES=${MINUTES:-7}
RUNS=${RUNS:-/tmp/s2s-hub-runs}
ACCELERATOR=${ACCELERATOR:-gpu}
THREADS=${THREADS:-2}
# the GPU's matrix units on float32 weights; bf16 autocast (not tried) would add
# casts to a step that waits on kernel launches more than on arithmetic
export TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1 PYTHONUNBUFFERED=1
mkdir -p "$OUT" "$RUNS"
DEADLINE=$(( $(date +%s) + MINUTES * 60 ))
RUN_COUNT=$(grep -v '^#' "$PLAN" | grep -c .)

# NAME TASK ACCELERATOR THREADS FLAGS...: train until DEADLINE, resuming the run
# folder's last checkpoint when there is one
launch() {
  local name=$1 task=$2 accelerator=$3 threads=$4 seconds resume=false
  shift 4
  seconds=$(( DEADLINE - $(date +%s) ))
  [ "$seconds" -gt 30 ] || return 1
  [ -f "$RUNS/$name/checkpoints/last.ckpt" ] && resume=true
  OMP_NUM_THREADS=$threads timeout $(( seconds + 90 )) python3 -m s2s_hub.cli.main \
    train --task "$task" "$@" --train.out_dir "$RUNS/$name" --resume "$resume" \
    --train.max_time "00:00:$(printf %02d:%02d $(( seconds / 60 )) $(( seconds % 60 )))" \
    --accelerator "$accelerator" --devices 1 >> "$RUNS/$name.log" 2>&1
}

# NAME TASK FLAGS...: on ACCELERATOR, then on the CPU cores if that fails. Lightning's
# clock starts after the data and tokenizer are ready, so a slow start can reach the
# hard deadline first: that run keeps its last validation's checkpoints
train_run() {
  local name=$1 task=$2 status
  shift 2
  launch "$name" "$task" "$ACCELERATOR" "$THREADS" "$@"
  status=$?
  [ "$status" = 0 ] && return
  [ "$status" = 124 ] && echo "$name: stopped at the deadline" && return
  [ "$ACCELERATOR" = cpu ] && return 1
  echo "$name failed on $ACCELERATOR; on the CPU cores for the time left" \
    | tee -a "$RUNS/$name.log"
  launch "$name" "$task" cpu $(( $(nproc) / RUN_COUNT )) "$@"
}

while read -r name task flags; do
  [ -z "$name" ] || [[ $name == \#* ]] && continue
  # shellcheck disable=SC2086
  train_run "$name" "$task" $flags &
done < "$PLAN"
wait
for log in "$RUNS"/*.log; do echo "== $log"; grep -v "^\s*$" "$log" | tail -n 4; done
tasks=$(grep -v '^#' "$PLAN" | awk 'NF {print $2}' | awk '!seen[$0]++')
# shellcheck disable=SC2086
python3 scripts/pack_gpu_runs.py "$RUNS" "$OUT" $tasks
