"""ONNX Runtime serves a model folder that ships no graphs (``graph_cache``): they
are exported once into the cache, checked against torch, and reused."""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from pathlib import Path

import pytest

from s2s_hub.files import ONNX_FILES
from s2s_hub.hub import load
from s2s_hub.serving import graph_cache
from s2s_hub.serving.cache import CACHE_ENV

pytestmark = pytest.mark.skipif(
    not (importlib.util.find_spec("onnxruntime") and importlib.util.find_spec("onnx")),
    reason="needs s2s-hub[onnx]",
)


@pytest.fixture
def bare_model(toy_model_dir, tmp_path, monkeypatch) -> Path:
    """The toy model folder, without graphs, with the cache in ``tmp_path``."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    folder = Path(shutil.copytree(toy_model_dir, tmp_path / "model"))
    for name in ONNX_FILES:
        (folder / name).unlink(missing_ok=True)
    return folder


def test_a_folder_without_graphs_is_served_from_graphs_exported_once(
    bare_model, tmp_path, monkeypatch
):
    exports = []
    real = importlib.import_module("s2s_hub.serving.graphs").export_onnx

    def counting(model, folder):
        exports.append(folder)
        return real(model, folder)

    monkeypatch.setattr("s2s_hub.serving.graphs.export_onnx", counting)
    served = load(bare_model, runtime="onnxruntime")
    fp32 = load(bare_model)
    (cached,) = (tmp_path / "cache" / "s2s-hub" / "onnx").iterdir()
    assert sorted(p.name for p in cached.iterdir()) == sorted(ONNX_FILES)
    assert not any((bare_model / name).exists() for name in ONNX_FILES)
    sources = [pair.source for pair in fp32.task.pairs("test")]
    assert served.translate(sources) == fp32.translate(sources)

    load(bare_model, runtime="onnxruntime", precision="int8")
    assert len(exports) == 1  # the second load reads the cache


def test_onnx_runtime_is_a_candidate_for_a_folder_without_graphs(bare_model):
    assert graph_cache.onnx_servable(bare_model)
    assert not graph_cache.has_graphs(bare_model)
