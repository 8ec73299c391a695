#!/usr/bin/env bash
# Creates bench/.joey-venv: Joey NMT 2.3.0, the peer that bench/compare.py measures.
# Joey is a benchmark tool only, never a dependency of s2s-hub, so it gets its own
# virtual environment. Its workarounds for today's packages are applied at import
# time by bench/joey/launch.py; Joey's installed files are left untouched.
set -euo pipefail
bench="$(cd "$(dirname "$0")/.." && pwd)"
venv="$bench/.joey-venv"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
# torch first and pinned: a bare dependency resolution could pick a CUDA build.
"$venv/bin/python" -m pip install --quiet torch==2.13.0
"$venv/bin/python" -m pip install --quiet joeynmt==2.3.0 importlib_metadata
"$venv/bin/python" - <<'PY'
from importlib.metadata import version
print("joeynmt", version("joeynmt"), "torch", version("torch"))
PY
