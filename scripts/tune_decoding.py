"""Choose a model's decoding settings on the dev split, one grid of overrides.

    python scripts/tune_decoding.py MODEL length_penalty=0.6,1.0,1.2 min_length=2,6
    python scripts/tune_decoding.py MODEL temperature=.5,.8 --by unseen_words --mode min

MODEL is a ``.ckpt``, an exported folder or a Hub repo id. Each ``FIELD=V1,V2``
names a ``DecodeConfig`` field and the values to try over the model's own decoding;
every combination is decoded on the whole dev split (``s2s_hub.tuning``). Prints
one line per combination, best first by the task's selection metric (or ``--by``),
then the winner as JSON: copy it into the task's ``decoding`` before export.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from s2s_hub import load
from s2s_hub.tuning import SPLIT, parse_grid, tune


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a .ckpt, an exported folder or a Hub repo id")
    parser.add_argument("grid", nargs="+", help="FIELD=V1,V2 (DecodeConfig fields)")
    parser.add_argument("--by", help="metric to choose by (default: the task's)")
    parser.add_argument("--mode", choices=("max", "min"), help="best is max or min")
    args = parser.parse_args()
    trials = tune(load(args.model), parse_grid(args.grid), args.by, args.mode)
    for trial in trials:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in trial.scores.items())
        print(f"{trial.overrides}: {SPLIT} {shown}")
    print(json.dumps(asdict(trials[0].config)))


if __name__ == "__main__":
    main()
