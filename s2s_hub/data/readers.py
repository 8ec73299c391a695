"""Reading pair files (TSV or JSONL, optionally gzipped) with errors a user can act on.

A file that is wrong as a whole (wrong format, missing columns, nothing usable, not
UTF-8) raises ``DataError`` naming the file and line. Files must be UTF-8: one line in
another encoding (UTF-16 with or without a byte order mark, Latin-1 ...) refuses the
whole file, since its other lines are likely misread too. Single bad rows (empty,
over-long, wrong column count) are skipped and counted, and the counts are logged once
per file: a reader never drops data silently, nor repeats itself when a run reads a
file twice (the tokenizer's texts, then the data module's).
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
UTF8_BOM = b"\xef\xbb\xbf"
OTHER_BOMS = {  # UTF-32 first: its little-endian mark begins with UTF-16's
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
# the files whose summary was logged, as (path, modification time, size)
_reported: set[tuple[str, int, int]] = set()


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


def _text(raw: bytes, number: int, path: Path) -> str:
    """Line ``number`` of ``path`` as text, or a ``DataError`` if it is not UTF-8."""
    if number == 1:
        for mark, encoding in OTHER_BOMS.items():
            if raw.startswith(mark):
                raise _not_utf8(path, f"it starts with the {encoding} byte order mark")
        raw = raw.removeprefix(UTF8_BOM)
    if b"\x00" in raw:
        raise _not_utf8(path, f"line {number} holds NUL bytes (UTF-16 or UTF-32?)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise _not_utf8(
            path, f"line {number} has byte 0x{byte:02X}, which is no UTF-8 there"
        ) from error


def _not_utf8(path: Path, why: str) -> DataError:
    return DataError(
        f"{path}: not UTF-8 text ({why}); convert it first, e.g. `iconv -f UTF-16 "
        f"-t UTF-8` or `iconv -f LATIN1 -t UTF-8`"
    )


def _log_once(report: ReadReport) -> None:
    stat = report.path.stat()
    key = (str(report.path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _reported:
        _reported.add(key)
        (log.warning if report.skipped else log.info)(report.summary())


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
        line = _text(raw, number, path).rstrip("\r\n")
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
    _log_once(report)
