#!/usr/bin/env bash
# Creates bench/.marian-venv: Marian 1.12 (C++) through its PyPI wheel, pymarian, the
# third toolkit of the training-speed comparison (bench/marian_speed.py). A
# benchmark tool only, never a dependency of s2s-hub: its own virtual environment.
set -euo pipefail
bench="$(cd "$(dirname "$0")/.." && pwd)"
venv="$bench/.marian-venv"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet pymarian==1.12.42  # a 600 MB wheel
"$venv/bin/pymarian" --version
