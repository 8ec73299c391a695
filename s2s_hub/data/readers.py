"""Reading pair files (TSV or JSONL, optionally gzipped) with errors a user can act on.

A file that is wrong as a whole (wrong format, missing columns, nothing usable) raises
``DataError`` naming the file and line. Single bad rows (empty, over-long, undecodable,
wrong column count) are skipped and counted, and the counts are logged: a reader never
drops data silently.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 100_000
COLUMNS = ("source", "target")


class DataError(ValueError):
    """A data file that cannot be used, with the place that shows why."""


@dataclass
class ReadReport:
    """What a reader kept and what it skipped, by reason."""

    path: Path
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        if not self.skipped:
            return f"{self.path}: {self.kept} rows"
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        return f"{self.path}: {self.kept} rows kept, skipped {reasons}"


def _open_lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            yield from handle
    except (OSError, EOFError) as error:
        raise DataError(f"{path}: cannot read file ({error})") from error


def _tsv_record(line: str, header: tuple[str, ...]) -> dict[str, str] | str:
    cells = line.split("\t")
    if len(cells) != len(header):
        return f"with {len(cells)} instead of {len(header)} columns"
    return dict(zip(header, cells, strict=True))


def _jsonl_record(line: str, header: tuple[str, ...]) -> dict[str, str] | str:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return "invalid JSON"
    if not isinstance(record, dict):
        return "not a JSON object"
    missing = [key for key in header if not isinstance(record.get(key), str)]
    if missing:
        return f"missing {'/'.join(missing)}"
    return {key: record[key] for key in header}


def read_pairs(
    path: str | Path,
    columns: tuple[str, ...] = COLUMNS,
    max_line_chars: int = MAX_LINE_CHARS,
) -> Iterator[dict[str, str]]:
    """Records of a ``.tsv`` or ``.jsonl`` file (``.gz`` allowed) with ``columns``.

    TSV files have no header and exactly ``len(columns)`` tab-separated cells a line.
    """
    path = Path(path)
    name = path.name.removesuffix(".gz")
    if name.endswith(".tsv"):
        parse = _tsv_record
    elif name.endswith(".jsonl"):
        parse = _jsonl_record
    else:
        raise DataError(f"{path}: unknown format; expected .tsv or .jsonl (.gz)")
    report = ReadReport(path)
    first_error = ""
    for number, raw in enumerate(_open_lines(path), start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            reason, record = f"invalid UTF-8 ({error.reason})", None
        else:
            if not line.strip():
                reason, record = "empty", None
            elif len(line) > max_line_chars:
                reason, record = f"longer than {max_line_chars} chars", None
            else:
                record = parse(line, columns)
                reason = record if isinstance(record, str) else ""
        if reason or not all(v.strip() for v in record.values()):
            reason = reason or "with an empty column"
            report.skipped[reason] += 1
            first_error = first_error or f"line {number}: {reason}"
            continue
        report.kept += 1
        yield record
    if report.kept == 0:
        detail = f" (first problem at {first_error})" if first_error else ""
        raise DataError(f"{path}: no usable rows{detail}")
    (log.warning if report.skipped else log.info)(report.summary())
