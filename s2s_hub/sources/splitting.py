"""Deterministic deduplication, train/dev/test splitting and writing of pairs.

Records are split by the hash of a grouping key, never at random: reruns give the
same splits, and records that share a key (one package family, one conversation)
land in the same split, so near-duplicates cannot leak from train into test. After
splitting, no text of a "fenced" field (the source, and for translation the target)
is shared between splits.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

Record = dict[str, str]
SPLIT_FILES = ("train", "dev", "test")
# Ecosystem prefixes that say how a package is built, not what it is.
PACKAGE_PREFIXES = re.compile(
    r"^(lib|python3?-|golang-|github-|gitlab-|node-|r-cran-|r-bioc-|ghc-|ruby-|php-|"
    r"rust-|elpa-|fonts?-|gir1\.2-|lua-|ocaml-|js-|perl-|haskell-|texlive-)"
)


def stable_hash(text: str) -> str:
    """A hash that, unlike ``hash()``, is the same in every process."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def package_family(package: str) -> str:
    """The family of a Debian package: ``libfoo2-dev``, ``foo-doc`` -> ``foo``.

    Packages of one family share most of their descriptions, so they must not be
    spread over train and test. Ecosystem prefixes are stripped, then the first
    dash-separated word is kept without its trailing version digits.
    """
    name = package.lower()
    while (stripped := PACKAGE_PREFIXES.sub("", name)) != name and stripped:
        name = stripped
    head = name.split("-")[0]
    return head.rstrip("0123456789.+") or head


def dedupe(records: Iterable[Record]) -> list[Record]:
    """Records with distinct (source, target), in a stable order.

    Sorting before keeping the first makes the result independent of input order.
    """
    ordered = sorted(records, key=lambda r: tuple(sorted(r.items())))
    seen: set[tuple[str, str]] = set()
    kept = []
    for record in ordered:
        pair = (record["source"], record["target"])
        if pair not in seen:
            seen.add(pair)
            kept.append(record)
    return kept


def _groups(
    records: list[Record], group_of: Callable[[Record], str]
) -> list[list[Record]]:
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(group_of(record), []).append(record)
    return [groups[key] for key in sorted(groups, key=stable_hash)]


def _fence(
    kept: list[Record], taken: list[Record], fields: tuple[str, ...]
) -> list[Record]:
    texts = {record[f] for record in taken for f in fields}
    return [r for r in kept if not any(r[f] in texts for f in fields)]


def _fence_and_sort(
    splits: dict[str, list[Record]], fenced: tuple[str, ...]
) -> dict[str, list[Record]]:
    splits["dev"] = _fence(splits["dev"], splits["test"], fenced)
    splits["train"] = _fence(splits["train"], splits["dev"] + splits["test"], fenced)
    for split in splits.values():
        split.sort(key=lambda r: stable_hash(r["source"] + "\t" + r["target"]))
    return splits


def split_records(
    records: Iterable[Record],
    group_of: Callable[[Record], str],
    dev_size: int = 1000,
    test_size: int = 1000,
    fenced: tuple[str, ...] = ("source",),
) -> dict[str, list[Record]]:
    """Deduplicated records split into train, dev and test by group.

    Groups are visited in the order of their key's hash; each goes to test while it
    fits in ``test_size``, then to dev while it fits in ``dev_size``, otherwise to
    train (so families larger than a split always train). Train then loses records
    that share a fenced text with dev or test, and dev those shared with test. Each
    split comes sorted by the hash of its pairs, so a cap on train is a prefix.
    """
    splits: dict[str, list[Record]] = {name: [] for name in SPLIT_FILES}
    for group in _groups(dedupe(records), group_of):
        if len(splits["test"]) + len(group) <= test_size:
            splits["test"] += group
        elif len(splits["dev"]) + len(group) <= dev_size:
            splits["dev"] += group
        else:
            splits["train"] += group
    return _fence_and_sort(splits, fenced)


def group_bucket(group: str) -> float:
    """Where a group's key falls in [0, 1), from its hash: the same in every run and
    independent of which other groups exist."""
    return int(stable_hash(group)[:8], 16) / 16**8


def split_by_group_hash(
    records: Iterable[Record],
    group_of: Callable[[Record], str],
    held_out: float = 0.02,
    max_held_out_group: int = 2000,
    fenced: tuple[str, ...] = ("source",),
) -> dict[str, list[Record]]:
    """Records split by the hash of their group alone, deduplicated per split.

    A group goes to test if its :func:`group_bucket` is below ``held_out``, to dev
    if below twice that, otherwise to train; groups of more than
    ``max_held_out_group`` distinct records always train. Unlike
    :func:`split_records`, a group's split does not depend on the other groups, so a
    corpus that grows (more packages fetched) keeps every group where it was, and a
    held-out group keeps all its records, also those other groups share (a new
    program's "Cancel" is part of what it asks of a translator). Fencing and order
    are as in :func:`split_records`.
    """
    splits: dict[str, list[Record]] = {name: [] for name in SPLIT_FILES}
    for group in _groups(list(records), group_of):
        group = dedupe(group)
        bucket = group_bucket(group_of(group[0]))
        if len(group) > max_held_out_group or bucket >= 2 * held_out:
            splits["train"] += group
        else:
            splits["test" if bucket < held_out else "dev"] += group
    splits = {name: dedupe(rows) for name, rows in splits.items()}
    return _fence_and_sort(splits, fenced)


def _cell(text: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", text).strip()


def write_tsv_gz(records: Iterable[Record], path: Path) -> int:
    """Write ``source<TAB>target`` lines, gzipped byte-identically on every run.

    ``mtime=0`` and an empty file name keep the gzip header free of the time and
    place of the run. Returns the number of lines written.
    """
    lines = [f"{_cell(r['source'])}\t{_cell(r['target'])}\n" for r in records]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as handle:
        handle.write("".join(lines).encode("utf-8"))
    return len(lines)


def write_splits(splits: dict[str, list[Record]], out_dir: Path) -> dict[str, int]:
    """``{train,dev,test}.tsv.gz`` in ``out_dir``; returns the count of each."""
    return {
        name: write_tsv_gz(splits[name], Path(out_dir) / f"{name}.tsv.gz")
        for name in SPLIT_FILES
    }
