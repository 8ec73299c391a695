"""Data cards: counts and length statistics of written splits, measured, not typed.

``prepare`` ends by writing ``DATA.md`` from the task's own text and the table built
here, so the numbers in a card always describe the files next to it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

from s2s_hub.data.readers import read_pairs
from s2s_hub.sources.splitting import SPLIT_FILES


def _percentile(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def split_statistics(path: Path) -> dict[str, float]:
    """Pairs, and median and 95th-percentile words of source and target, of a file."""
    sources, targets = [], []
    for record in read_pairs(path):
        sources.append(len(record["source"].split()))
        targets.append(len(record["target"].split()))
    return {
        "pairs": len(sources),
        "source_median": statistics.median(sources),
        "source_p95": _percentile(sources, 0.95),
        "target_median": statistics.median(targets),
        "target_p95": _percentile(targets, 0.95),
    }


def statistics_table(out_dir: Path, folders: dict[str, Path] | None = None) -> str:
    """A Markdown table of :func:`split_statistics` for each split file, read from
    ``out_dir`` or, for the splits ``folders`` names, from the folder it gives."""
    folders = folders or {}
    lines = [
        "| split | pairs | file size | source words median / p95 "
        "| target words median / p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for split in SPLIT_FILES:
        path = Path(folders.get(split, out_dir)) / f"{split}.tsv.gz"
        stats = split_statistics(path)
        lines.append(
            f"| {split} | {stats['pairs']:,} | {path.stat().st_size / 1e6:.2f} MB "
            f"| {stats['source_median']:g} / {stats['source_p95']} "
            f"| {stats['target_median']:g} / {stats['target_p95']} |"
        )
    return "\n".join(lines)


def composition(splits: dict[str, list[dict[str, str]]], field: str) -> str:
    """A Markdown list of how many records of each split have each ``field`` value.

    The written files hold only source and target, so where a split mixes sources
    this is counted before writing, from the records themselves.
    """
    lines = []
    for name, records in splits.items():
        counts = sorted(Counter(record[field] for record in records).items())
        lines.append(f"- {name}: " + ", ".join(f"{n:,} {value}" for value, n in counts))
    return "\n".join(lines)


def write_card(out_dir: Path, template: str, **sections: str) -> Path:
    """Write ``DATA.md`` from ``template`` with its ``{placeholders}`` filled.

    ``{statistics}`` becomes the measured table of the split files in ``out_dir``;
    every other placeholder comes from ``sections``.
    """
    text = template.format(statistics=statistics_table(out_dir), **sections)
    path = Path(out_dir) / "DATA.md"
    path.write_text(text.strip() + "\n", "utf-8")
    return path
