"""Checkpoint files that are either the old one or the new one, never half of each."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning.plugins import TorchCheckpointIO


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes a checkpoint beside its target, syncs it, then renames it into place.

    Lightning's own writer moves a finished file from the system's temporary folder
    without syncing it: across file systems that move is a copy, and a crash during
    it (or before the data reaches the disk) can leave a truncated ``last.ckpt`` where
    a good one was. A temporary file in the same folder and ``os.replace`` make the
    swap atomic; a crash leaves at most a hidden ``.<name>.*.tmp`` file, which
    training never reads. Only local paths are supported.
    """

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None
    ) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options")
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        write_atomically(Path(path), buffer.getbuffer())


def write_atomically(path: Path, data: bytes | memoryview) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file.

    The data is written to a temporary file in the same folder (a rename is atomic
    only within one file system) and synced before the rename, and the folder is
    synced after it, so that the new name survives a power loss too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Persist a rename; folders cannot be opened for syncing on Windows."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
