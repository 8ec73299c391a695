"""Choose a model's decoding settings on the dev split, one grid of overrides.

    python scripts/tune_decoding.py MODEL length_penalty=0.6,1.0,1.2 min_length=2,6

MODEL is a ``.ckpt``, an exported folder or a Hub repo id. Each ``FIELD=V1,V2``
names a ``DecodeConfig`` field and the values to try over the model's own decoding;
every combination is decoded on the whole dev split (``s2s_hub.tuning``). Prints
one line per combination, best first, then the winner as JSON: copy it into the
task's ``decoding`` before export.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from s2s_hub import load
from s2s_hub.tuning import SPLIT, parse_grid, tune

if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    trials = tune(load(sys.argv[1]), parse_grid(sys.argv[2:]))
    for trial in trials:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in trial.scores.items())
        print(f"{trial.overrides}: {SPLIT} {shown}")
    print(json.dumps(asdict(trials[0].config)))
