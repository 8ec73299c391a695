"""A Transformer's ONNX graphs (``serving/transformer_graphs.py``): ONNX Runtime
grows the key/value cache step by step and computes what torch does."""

from __future__ import annotations

import onnx
import pytest
import torch

from s2s_hub.files import DECODER_STEP_ONNX_FILE
from s2s_hub.search import DecodeConfig, decode
from s2s_hub.serving.graphs import export_onnx
from s2s_hub.serving.onnx_model import OnnxSeq2Seq
from s2s_hub.serving.precision import with_precision
from tests.test_transformer import LENGTHS, SRC, TGT_IN, tiny

torch.set_num_threads(1)
GREEDY = DecodeConfig(method="greedy", max_length=8)
BEAM = DecodeConfig(method="beam", beam_size=3, n_best=3, max_length=8)


def tokens(model, config: DecodeConfig) -> list[list[list[int]]]:
    return [[h.tokens for h in nbest] for nbest in decode(model, SRC, LENGTHS, config)]


@pytest.mark.parametrize("copy", [False, True])
def test_cached_steps_in_onnx_runtime_equal_torch_s(copy, tmp_path):
    model = tiny(copy=copy, tie_embeddings=True)
    export_onnx(model, tmp_path)
    runtime = OnnxSeq2Seq.load(tmp_path, model.config)
    assert list(runtime.parameters()) == []
    with torch.no_grad():
        expected = model(SRC, LENGTHS, TGT_IN)
    # ONNX Runtime steps through the target, its cache growing a position a step
    actual = runtime(SRC, LENGTHS, TGT_IN)
    torch.testing.assert_close(
        actual.logits, expected.logits.log_softmax(-1), atol=1e-5, rtol=1e-4
    )
    torch.testing.assert_close(actual.attention, expected.attention)
    assert tokens(runtime, GREEDY) == tokens(model, GREEDY)
    assert tokens(runtime, BEAM) == tokens(model, BEAM)


def test_the_step_graph_takes_and_returns_every_layer_s_cache(tmp_path):
    model = tiny()
    export_onnx(model, tmp_path)
    graph = onnx.load(tmp_path / DECODER_STEP_ONNX_FILE).graph
    inputs = {value.name for value in graph.input}
    outputs = [value.name for value in graph.output]
    for i in range(2):
        assert {f"self_keys_{i}", f"cross_values_{i}"} <= inputs
        assert f"next_self_values_{i}" in outputs


def test_int8_graphs_stay_close_to_fp32_eager(tmp_path):
    model = tiny()
    export_onnx(model, tmp_path)
    int8 = OnnxSeq2Seq.load(tmp_path, model.config, "int8")
    with torch.no_grad():
        expected = model(SRC, LENGTHS, TGT_IN).logits.log_softmax(-1)
        eager_int8 = with_precision(tiny(), "int8")(SRC, LENGTHS, TGT_IN).logits
    actual = int8(SRC, LENGTHS, TGT_IN).logits
    assert 0 < (actual - expected).abs().max() < 0.05
    assert (eager_int8.log_softmax(-1) - expected).abs().max() < 0.05
    assert [len(nbest) for nbest in decode(int8, SRC, LENGTHS, BEAM)] == [3, 3, 3]


def test_an_export_failure_names_the_architecture(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    with pytest.raises(ValueError, match="a transformer model with the copy gate"):
        export_onnx(tiny(copy=True), tmp_path)
