"""The exported ONNX graphs (``serving/graphs.py``) decoded by ONNX Runtime
(``serving/onnx_model.py``) with the same search code as the torch model."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import torch
from onnx import TensorProto, helper

from s2s_hub.files import DECODER_STEP_ONNX_FILE, ONNX_FILES
from s2s_hub.model import ATTENTIONS, Seq2Seq
from s2s_hub.search import DecodeConfig, decode
from s2s_hub.serving import graphs
from s2s_hub.serving.graphs import export_onnx
from s2s_hub.serving.onnx_model import OnnxSeq2Seq, quantize_graph
from s2s_hub.serving.signatures import CANDIDATE_OUTPUTS, GROWING_OUTPUTS
from tests.test_copy import tiny

torch.set_num_threads(1)
SRC = torch.tensor([[5, 6, 7, 8, 3], [9, 6, 3, 0, 0], [4, 3, 0, 0, 0]])
LENGTHS = torch.tensor([5, 3, 2])
TGT_IN = torch.tensor([[2, 4, 5, 6], [2, 7, 8, 0], [2, 9, 0, 0]])
GREEDY = DecodeConfig(method="greedy", max_length=8)
BEAM = DecodeConfig(method="beam", beam_size=3, n_best=3, max_length=8)
SAMPLE = DecodeConfig(method="sample", n_best=2, max_length=8, top_k=5, seed=0)
# every attention with both cells, with and without the copy gate
VARIANTS = [(a, "lstm", True) for a in ATTENTIONS] + [
    (a, "gru", False) for a in ATTENTIONS
]


def exported(model: Seq2Seq, folder: Path, precision: str = "fp32") -> OnnxSeq2Seq:
    export_onnx(model, folder)
    return OnnxSeq2Seq.load(folder, model.config, precision)


def tokens(model, config: DecodeConfig) -> list[list[list[int]]]:
    return [[h.tokens for h in nbest] for nbest in decode(model, SRC, LENGTHS, config)]


@pytest.mark.parametrize(("attention", "cell", "copy"), VARIANTS)
def test_greedy_and_beam_outputs_equal_torch_s(attention, cell, copy, tmp_path):
    model = tiny(attention, cell=cell, copy=copy)
    runtime = exported(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ONNX_FILES)
    assert list(runtime.parameters()) == []  # no torch model inside
    assert tokens(runtime, GREEDY) == tokens(model, GREEDY)
    assert tokens(runtime, BEAM) == tokens(model, BEAM)
    samples = decode(runtime, SRC, LENGTHS, SAMPLE)
    assert [len(nbest) for nbest in samples] == [2, 2, 2]
    for nbest in samples:
        for hypothesis in nbest:
            assert len(hypothesis.tokens) <= 8
            assert all(0 <= t < 13 for t in hypothesis.tokens)


@pytest.mark.parametrize(("attention", "cell"), [("local-m", "lstm"), ("dot", "gru")])
def test_teacher_forced_log_probabilities_match_torch_s(attention, cell, tmp_path):
    model = tiny(attention, cell=cell, copy=False)
    runtime = exported(model, tmp_path)
    with torch.no_grad():
        expected = model(SRC, LENGTHS, TGT_IN)
    actual = runtime(SRC, LENGTHS, TGT_IN)
    # the graphs' steps return log-probabilities, torch's forward logits
    torch.testing.assert_close(
        actual.logits.log_softmax(-1),
        expected.logits.log_softmax(-1),
        atol=1e-5,
        rtol=1e-4,
    )
    torch.testing.assert_close(actual.attention, expected.attention)


def test_int8_graphs_are_quantized_and_close_to_fp32(tmp_path):
    model = tiny("bahdanau")
    fp32 = exported(model, tmp_path)
    int8 = OnnxSeq2Seq.load(tmp_path, model.config, "int8")
    graph = onnx.load_from_string(quantize_graph(tmp_path / DECODER_STEP_ONNX_FILE))
    assert "MatMulInteger" in {node.op_type for node in graph.graph.node}
    # additive attention's v, a one-column matrix, stays fp32
    (v,) = [
        w.name
        for w in graph.graph.initializer
        if list(w.dims)[1:] == [1] and w.data_type == onnx.TensorProto.FLOAT
    ]
    assert [n.op_type for n in graph.graph.node if v in n.input] == ["MatMul"]
    torch.testing.assert_close(
        int8(SRC, LENGTHS, TGT_IN).logits,
        fp32(SRC, LENGTHS, TGT_IN).logits,
        atol=0.02,
        rtol=0,
    )
    assert [len(nbest) for nbest in decode(int8, SRC, LENGTHS, BEAM)] == [3, 3, 3]


def test_beam_search_chooses_candidates_in_the_graph_and_in_torch_alike(
    tmp_path, monkeypatch
):
    """The step graph chooses each sentence's candidates where no rule forbids a
    token; with ``min_length`` and no-repeat n-grams, and with graphs exported
    before it chose them, torch does. Every way decodes as the torch model does."""
    model = tiny("bahdanau")
    constrained = DecodeConfig(
        method="beam", beam_size=3, n_best=3, max_length=8, min_length=3,
        no_repeat_ngram_size=2,
    )  # fmt: skip
    wide = DecodeConfig(method="beam", beam_size=8, n_best=2, max_length=8)
    configs = (BEAM, constrained, wide)  # wide: 16 candidates of 13 tokens
    expected = [tokens(model, config) for config in configs]
    for name in ("chooses", "before"):
        (tmp_path / name).mkdir()
    runtime = exported(model, tmp_path / "chooses")
    outputs = {o.name for o in runtime.step_session.get_outputs()}
    assert outputs >= {*CANDIDATE_OUTPUTS, *GROWING_OUTPUTS}
    assert [tokens(runtime, config) for config in configs] == expected
    monkeypatch.setattr(graphs, "add_candidates", lambda path, eos_id: None)
    before = exported(model, tmp_path / "before")
    assert not set(GROWING_OUTPUTS) & {
        o.name for o in before.step_session.get_outputs()
    }
    assert [tokens(before, config) for config in configs] == expected
    # revision 3's graphs ranked each row's tokens, and need their count fed
    graph = onnx.load(tmp_path / "before" / DECODER_STEP_ONNX_FILE)
    count = helper.make_tensor_value_info("best", TensorProto.INT64, [1])
    graph.graph.input.append(count)
    ranked = ["best_scores", "best_tokens"]
    graph.graph.node.append(helper.make_node("TopK", ["log_probs", "best"], ranked))
    types = (TensorProto.FLOAT, TensorProto.INT64)
    graph.graph.output.extend(
        helper.make_tensor_value_info(name, type_, ["rows", 1])
        for name, type_ in zip(ranked, types, strict=True)
    )
    onnx.save(graph, tmp_path / "before" / DECODER_STEP_ONNX_FILE)
    ranking_rows = OnnxSeq2Seq.load(tmp_path / "before", model.config)
    assert [tokens(ranking_rows, config) for config in configs] == expected


def test_calls_run_on_one_thread_and_the_cores_take_a_batch_each(tmp_path):
    model = tiny("bahdanau")
    export_onnx(model, tmp_path)
    torch.set_num_threads(2)
    try:
        runtime = OnnxSeq2Seq.load(tmp_path, model.config, "int8")
    finally:
        torch.set_num_threads(1)
    assert runtime.streams == 2
    for session in (runtime.encoder_session, runtime.step_session):
        assert session.get_session_options().intra_op_num_threads == 1


def test_an_export_failure_names_the_combination(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    with pytest.raises(ValueError) as error:
        export_onnx(tiny("local-p", cell="gru"), tmp_path)
    message = str(error.value)
    assert "gru model with local-p attention and the copy gate" in message
    assert "unsupported operator" in message


def test_missing_graphs_say_how_to_write_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="--onnx"):
        OnnxSeq2Seq.load(tmp_path, tiny().config)
