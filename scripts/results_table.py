"""Print README's results table from the bundled checkpoints' stored evaluations.

    python scripts/results_table.py > /tmp/table.md

Every number comes from ``checkpoints/<task>/eval_results.json``, which
``s2s-hub export`` wrote from a real evaluation on the task's shipped test split,
together with the task's trivial baselines on the same split.
"""

from __future__ import annotations

import json
from pathlib import Path

from s2s_hub.evaluation.run import Evaluation

ROOT = Path(__file__).resolve().parent.parent


def decoding(settings: dict) -> str:
    if settings["method"] == "beam":
        return f"beam {settings['beam_size']}, alpha {settings['length_penalty']}"
    if settings["method"] == "sample":
        return f"sampling, T {settings['temperature']}, top-p {settings['top_p']}"
    return "greedy"


def scores_text(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in scores.items())


def table() -> str:
    """The Markdown table, one row per bundled checkpoint, named by its folder
    (``translation-en-zh`` beside ``translation``); README holds it as is and a
    test checks it is current."""
    rows = [
        "| task | model (test) | trivial baselines (test) | decoding | examples |",
        "|---|---|---|---|---|",
    ]
    for path in sorted(ROOT.glob("checkpoints/*/eval_results.json")):
        result = Evaluation(**json.loads(path.read_text()))
        shown = "; ".join(
            f"{b['name']}: {scores_text(b['scores'])}"
            for b in result.scored_baselines()
        )
        rows.append(
            f"| {path.parent.name} | {scores_text(result.scores)} | {shown or '—'} "
            f"| {decoding(result.decoding)} | {result.examples} |"
        )
    return "\n".join(rows)


def main() -> None:
    print(table())


if __name__ == "__main__":
    main()
