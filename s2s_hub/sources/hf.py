"""Records from a Hugging Face dataset: on the Hub, in a local folder, or saved to disk.

``datasets`` is an optional extra (``pip install s2s-hub[datasets]``), imported only
when a task is actually pointed at a dataset. Columns are picked by name, with dots
for nested fields, so that ``translation.de`` reads WMT-style ``{"translation":
{"de": ..., "en": ...}}`` rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Our split names and the names ``datasets`` uses; it maps a local ``dev.jsonl``
# to "validation" too.
HF_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def _datasets() -> Any:
    try:
        import datasets
    except ImportError as error:
        raise ImportError(
            "reading a Hugging Face dataset needs the `datasets` package: "
            "pip install 's2s-hub[datasets]'"
        ) from error
    return datasets


def _load(name: str, split: str, config: str | None) -> Any:
    datasets = _datasets()
    hf_split = HF_SPLITS.get(split, split)
    folder = Path(name)
    # A folder written by Dataset(Dict).save_to_disk holds one of these files.
    if not (
        (folder / "dataset_dict.json").exists() or (folder / "state.json").exists()
    ):
        return datasets.load_dataset(name, config, split=hf_split)
    loaded = datasets.load_from_disk(str(folder))
    if not isinstance(loaded, datasets.DatasetDict):
        return loaded
    for candidate in (hf_split, split):
        if candidate in loaded:
            return loaded[candidate]
    raise ValueError(f"{name} has no {hf_split!r} split; it has {sorted(loaded)}")


def _get(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def read_hf_dataset(
    name: str,
    split: str,
    config: str | None = None,
    source_field: str = "source",
    target_field: str = "target",
) -> Iterator[dict[str, str]]:
    """``{"source", "target"}`` records of one split of a Hugging Face dataset.

    Args:
        name: a Hub id (``"wmt16"``), a local folder of data files, or a folder
            written by ``save_to_disk``.
        split: ``train``, ``dev`` or ``test``; ``dev`` reads ``validation``.
        config: the dataset's configuration name, e.g. ``"de-en"``.
        source_field: column of the source text, dotted for nested fields.
        target_field: column of the target text.
    """
    rows = _load(name, split, config)
    if len(rows) == 0:
        raise ValueError(f"split {split!r} of dataset {name!r} is empty")
    missing = [f for f in (source_field, target_field) if _get(rows[0], f) is None]
    if missing:
        raise ValueError(
            f"dataset {name!r} has no field(s) {missing}; columns: {rows.column_names}"
        )
    skipped = 0
    for row in rows:
        source, target = _get(row, source_field), _get(row, target_field)
        if isinstance(source, str) and isinstance(target, str):
            yield {"source": source, "target": target}
        else:
            skipped += 1
    if skipped:
        log.warning("%s [%s]: skipped %d rows without text", name, split, skipped)


@dataclass(frozen=True)
class HFDatasetOptions:
    """Task options that read a split from a Hugging Face dataset instead of files.

    Mixed into a task before ``Task``: when ``hf_dataset`` is set, ``records`` comes
    from :func:`read_hf_dataset`; otherwise the task reads its files as usual.
    """

    hf_dataset: str | None = field(default=None, kw_only=True)
    hf_config: str | None = field(default=None, kw_only=True)
    hf_source_field: str = field(default="source", kw_only=True)
    hf_target_field: str = field(default="target", kw_only=True)

    def records(self, split: str) -> Iterator[dict[str, str]]:
        if self.hf_dataset is None:
            return super().records(split)  # type: ignore[misc]
        return read_hf_dataset(
            self.hf_dataset,
            split,
            self.hf_config,
            self.hf_source_field,
            self.hf_target_field,
        )
