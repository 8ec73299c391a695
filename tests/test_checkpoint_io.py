"""Checkpoints are replaced atomically: a failed write leaves the old file whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from s2s_hub.training.checkpoint_io import AtomicCheckpointIO


def checkpoint(step: int) -> dict:
    return {"global_step": step, "state_dict": {"w": torch.full((64, 64), step)}}


def folder_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


class DiskFull:
    """A file that takes half of what is written to it, then fails."""

    def __init__(self, file) -> None:
        self.file = file

    @staticmethod
    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    def write(self, data) -> None:
        self.file.write(bytes(data[: len(data) // 2]))
        self.crash()

    def __enter__(self) -> DiskFull:
        return self

    def __exit__(self, *exc_info) -> None:
        self.file.close()


def test_save_writes_a_loadable_file_and_nothing_else(tmp_path):
    path = tmp_path / "checkpoints" / "last.ckpt"
    io = AtomicCheckpointIO()
    io.save_checkpoint(checkpoint(1), path)
    io.save_checkpoint(checkpoint(2), path)
    assert folder_files(path.parent) == ["last.ckpt"]
    assert io.load_checkpoint(path, weights_only=True)["global_step"] == 2


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_write_that_fails_midway_leaves_the_old_checkpoint(
    tmp_path, monkeypatch, failing
):
    path = tmp_path / "last.ckpt"
    io = AtomicCheckpointIO()
    io.save_checkpoint(checkpoint(1), path)
    good = path.read_bytes()

    if failing == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(
            os, "fdopen", lambda *a, **k: DiskFull(real_fdopen(*a, **k))
        )
    else:
        monkeypatch.setattr(os, failing, DiskFull.crash)
    with pytest.raises(OSError, match="No space left"):
        io.save_checkpoint(checkpoint(2), path)
    assert path.read_bytes() == good
    assert folder_files(tmp_path) == ["last.ckpt"]


def test_storage_options_are_refused(tmp_path):
    with pytest.raises(TypeError, match="storage_options"):
        AtomicCheckpointIO().save_checkpoint({}, tmp_path / "x.ckpt", {"a": 1})
