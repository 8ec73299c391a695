"""Print README's results table from the bundled checkpoints' stored evaluations.

    python scripts/results_table.py > /tmp/table.md

Every number comes from ``checkpoints/<task>/eval_results.json``, which
``s2s-hub export`` wrote from a real evaluation on the task's shipped test split,
together with the task's trivial baselines on the same split.
"""

from __future__ import annotations

import json
from pathlib import Path

from s2s_hub.evaluation.run import Evaluation, scored_only

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
    (``translation-en-zh`` beside ``translation``), and where a card scores the
    parts of its test split, a second table with a row per part; README holds
    them as they are and a test checks they are current."""
    rows = [
        "| task | model (test) | trivial baselines (test) | decoding | examples |",
        "|---|---|---|---|---|",
    ]
    parts = [
        "| model | test part | model | trivial baselines (same part) | examples |",
        "|---|---|---|---|---|",
    ]
    for path in sorted(ROOT.glob("checkpoints/*/eval_results.json")):
        result = Evaluation(**json.loads(path.read_text()))
        rows.append(
            f"| {path.parent.name} | {scores_text(result.scores)} "
            f"| {baselines_text(result.scored_baselines())} "
            f"| {decoding(result.decoding)} | {result.examples} |"
        )
        for name, part in result.parts.items():
            parts.append(
                f"| {path.parent.name} | {name} | {scores_text(part['scores'])} "
                f"| {baselines_text(scored_only(part['baselines']))} "
                f"| {part['examples']} |"
            )
    tables = [rows] + ([parts] if len(parts) > 2 else [])
    return "\n\n".join("\n".join(table) for table in tables)


def baselines_text(baselines: list[dict]) -> str:
    shown = "; ".join(f"{b['name']}: {scores_text(b['scores'])}" for b in baselines)
    return shown or "—"


def main() -> None:
    print(table())


if __name__ == "__main__":
    main()
