"""ONNX graphs for a model folder that ships none, exported once into the cache.

The graphs of the bundled translator would add 91 MB to every clone, and a model
pushed without ``--onnx`` has none either; yet ONNX Runtime in int8 is the fastest
way to serve it on both CPU families measured (issue 34). So where the folder has
no graphs, ONNX Runtime serves graphs exported from its fp32 weights on first
use (seconds, checked against torch by ``export_onnx``) and kept under the cache
by the model's fingerprint and the code's revision (``cache.REVISION``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from s2s_hub.files import ONNX_FILES
from s2s_hub.model import Seq2Seq
from s2s_hub.serving.cache import REVISION, cache_root, fingerprint

log = logging.getLogger(__name__)


def has_graphs(folder: Path) -> bool:
    """Whether ``folder`` holds both graphs ``export --onnx`` writes."""
    return all((folder / name).is_file() for name in ONNX_FILES)


def onnx_servable(folder: Path) -> bool:
    """Whether ONNX Runtime can serve ``folder``'s model here: it is installed,
    and the folder has graphs or ``onnx`` is installed to export them."""
    found = importlib.util.find_spec
    return found("onnxruntime") is not None and (
        has_graphs(folder) or found("onnx") is not None
    )


def graph_folder(folder: Path, fp32: Callable[[], Seq2Seq]) -> Path:
    """``folder`` when it holds the graphs, else the cache's export of them
    (written by this call the first time; ``fp32`` reads the model to export)."""
    if has_graphs(folder):
        return folder
    cached = cache_root() / "onnx" / f"{fingerprint(folder)[:20]}-r{REVISION}"
    if not has_graphs(cached):
        from s2s_hub.serving.graphs import export_onnx

        log.info("exporting the ONNX graphs of %s to %s", folder, cached)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        partial.mkdir(parents=True, exist_ok=True)
        try:
            export_onnx(fp32(), partial)
            with contextlib.suppress(OSError):  # another process exported it first
                partial.rename(cached)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return cached
