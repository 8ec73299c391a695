"""Print README's results table from the bundled checkpoints' stored evaluations.

    python scripts/results_table.py > /tmp/table.md

Every number comes from ``checkpoints/<task>/eval_results.json``, which
``s2s-hub export`` wrote from a real evaluation on the task's shipped test split.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def decoding(settings: dict) -> str:
    if settings["method"] == "beam":
        return f"beam {settings['beam_size']}, alpha {settings['length_penalty']}"
    if settings["method"] == "sample":
        return f"sampling, T {settings['temperature']}, top-p {settings['top_p']}"
    return "greedy"


def main() -> None:
    print("| task | test scores | decoding | test examples | reproduce |")
    print("|---|---|---|---|---|")
    for path in sorted(ROOT.glob("checkpoints/*/eval_results.json")):
        result = json.loads(path.read_text())
        scores = ", ".join(f"{k} {v:.2f}" for k, v in result["scores"].items())
        command = f"`s2s-hub evaluate checkpoints/{result['task']}`"
        print(
            f"| {result['task']} | {scores} | {decoding(result['decoding'])} "
            f"| {result['examples']} | {command} |"
        )


if __name__ == "__main__":
    main()
