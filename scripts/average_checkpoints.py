"""Average the weights of several checkpoints of one run into a new checkpoint.

    python scripts/average_checkpoints.py OUT.ckpt CKPT CKPT [CKPT ...]

The output loads, evaluates and exports like any checkpoint of the run (the newest
input's tokenizer, recipe and step); it cannot be resumed. Written into the run's
``checkpoints/`` folder, ``scripts/select_checkpoint.py`` weighs it against
``best.ckpt`` and ``last.ckpt`` on the dev split.
"""

from __future__ import annotations

import sys
from pathlib import Path

from s2s_hub.training.averaging import save_average

if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    out, *inputs = (Path(a) for a in sys.argv[1:])
    print(save_average(inputs, out))
