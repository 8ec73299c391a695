"""Vocabulary selection (``serving/shortlist.py``, ``serving/shortlist_graph.py``):
the shortlist learnt from pairs, its file, and ONNX Runtime decoding over it as
the torch model does with every other token's probability zero."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from s2s_hub.cli.main import main
from s2s_hub.files import SHORTLIST_FILE
from s2s_hub.hub import load
from s2s_hub.serving import ServingConfig
from s2s_hub.serving.auto import candidates
from s2s_hub.serving.config import serving_name
from s2s_hub.serving.graphs import export_onnx
from s2s_hub.serving.onnx_model import OnnxSeq2Seq
from s2s_hub.serving.shortlist import (
    PAD,
    Shortlist,
    build_shortlist,
    read_shortlist,
)
from tests.test_auto_precision import REVERSE, card
from tests.test_copy import tiny
from tests.test_onnx_model import BEAM, GREEDY, LENGTHS, SRC, TGT_IN, tokens
from tests.test_transformer import tiny as transformer

pytest.importorskip("onnxruntime")
torch.set_num_threads(1)
# pairs of a 12-token vocabulary (0-3 special): 5 always meets 8, 6 meets 9, and
# 4 is in every target
PAIRS = [([5, 7], [8, 4]), ([6, 7], [9, 4]), ([5, 6], [8, 9, 4]), ([7], [4, 10])]


def learnt(per_token: int = 1, frequent: int = 1) -> Shortlist:
    sources, targets = zip(*PAIRS, strict=True)
    return build_shortlist(sources, targets, 12, per_token, frequent)


def test_each_source_token_brings_the_target_tokens_it_meets_beyond_chance():
    shortlist = learnt(per_token=2)
    assert shortlist.candidates.shape == (12, 2)
    assert shortlist.candidates[5, 0] == 8
    assert shortlist.candidates[6, 0] == 9
    assert set(shortlist.candidates[7]) == {4, 10}  # 7 meets only these two
    assert (shortlist.candidates[11] == PAD).all()  # never seen
    # the special tokens keep their ids as places; 4 is the most frequent
    assert shortlist.kept.tolist() == [0, 1, 2, 3, 4]


def test_a_batch_keeps_its_source_tokens_their_candidates_and_the_kept():
    ids = learnt().ids(np.array([[5, 11, 3], [6, 3, 0]]))
    assert ids.tolist() == [0, 1, 2, 3, 4, 5, 6, 8, 9, 11]
    assert ids.dtype.kind == "i"


def test_the_file_round_trips_and_a_missing_or_broken_one_says_what_to_do(
    tmp_path,
):
    shortlist = learnt(per_token=2)
    shortlist.save(tmp_path / SHORTLIST_FILE)
    again = read_shortlist(tmp_path)
    np.testing.assert_array_equal(again.candidates, shortlist.candidates)
    np.testing.assert_array_equal(again.kept, shortlist.kept)
    with pytest.raises(FileNotFoundError, match="s2s-hub shortlist"):
        read_shortlist(tmp_path / "other")
    (tmp_path / SHORTLIST_FILE).write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="not a readable shortlist"):
        read_shortlist(tmp_path)


def masked(model, ids: np.ndarray):
    """``model`` whose output layer gives every token outside ``ids`` logit
    -inf: what scoring the shortlist alone computes, in torch."""
    outside = torch.ones(model.config.tgt_vocab_size, dtype=torch.bool)
    outside[torch.from_numpy(ids)] = False
    with torch.no_grad():
        model.output_layer.bias[outside] = float("-inf")
    return model


def shortlist_of(ids: list[int]) -> Shortlist:
    """A shortlist that keeps ``ids`` and brings nothing more."""
    return Shortlist(np.full((13, 1), PAD), np.array(ids))


MODELS = {
    "rnn with copy": lambda: tiny("bahdanau"),
    "rnn": lambda: tiny("bahdanau", copy=False),
    "transformer": lambda: transformer(tgt_vocab_size=13, src_vocab_size=13),
}


@pytest.mark.parametrize("model_name", MODELS)
def test_onnx_runtime_over_a_shortlist_decodes_as_torch_with_the_rest_masked(
    model_name, tmp_path
):
    model = MODELS[model_name]()
    export_onnx(model, tmp_path)
    kept = [0, 1, 2, 3, 11, 12]  # and the sources' own tokens: 4-9
    runtime = OnnxSeq2Seq.load(tmp_path, model.config, shortlist=shortlist_of(kept))
    ids = np.union1d(kept, SRC.numpy())
    assert 10 not in ids  # so places and token ids differ after 9
    reference = masked(MODELS[model_name](), ids)
    for config in (GREEDY, BEAM):
        assert tokens(runtime, config) == tokens(reference, config)
    # a step's log-probabilities: the shortlist's, -inf elsewhere
    state = runtime.encode(SRC, LENGTHS)
    log_probs, _, _ = runtime.step(TGT_IN[:, 0], state)
    with torch.no_grad():
        expected, _, _ = reference.step(TGT_IN[:, 0], reference.encode(SRC, LENGTHS))
    torch.testing.assert_close(log_probs, expected, atol=1e-5, rtol=1e-4)
    assert torch.isinf(log_probs[:, 10]).all()


def test_an_output_layer_tied_to_the_embedding_in_the_graph_is_refused(tmp_path):
    model = transformer(tgt_vocab_size=13, src_vocab_size=13, tie_embeddings=True)
    export_onnx(model, tmp_path)
    with pytest.raises(ValueError, match="no weight of its own"):
        OnnxSeq2Seq.load(tmp_path, model.config, shortlist=shortlist_of([0, 1]))


def test_a_shortlist_of_every_token_changes_nothing_and_int8_slices_int8(
    tmp_path,
):
    model = tiny("bahdanau")
    export_onnx(model, tmp_path)
    whole = shortlist_of(list(range(13)))
    for precision in ("fp32", "int8"):
        plain = OnnxSeq2Seq.load(tmp_path, model.config, precision)
        listed = OnnxSeq2Seq.load(tmp_path, model.config, precision, whole)
        assert tokens(listed, BEAM) == tokens(plain, BEAM)
    # int8 takes slices of the weight as the int8 graph quantized it
    layer = listed.shortlist.layer
    assert {array.dtype for array, _ in layer.values()} >= {np.dtype("int8")}
    inputs = {node.name: node.type for node in listed.step_session.get_inputs()}
    assert all(name in inputs for name in layer)


def test_teacher_forced_scores_keep_the_targets_outside_the_shortlist(tmp_path):
    model = tiny("bahdanau")
    export_onnx(model, tmp_path)
    few = OnnxSeq2Seq.load(tmp_path, model.config, shortlist=shortlist_of([0, 1, 2, 3]))
    tgt_in = torch.tensor([[2, 11, 12, 3], [2, 11, 3, 0], [2, 12, 3, 0]])
    logits = few(SRC, LENGTHS, tgt_in).logits
    following = logits[:, :-1].gather(-1, tgt_in[:, 1:].unsqueeze(-1))
    assert torch.isfinite(following).all()
    assert torch.isinf(logits[..., 10]).all()  # neither source nor target has it


def test_serving_names_and_rules_of_a_shortlist():
    assert serving_name("int8", "onnxruntime", True) == "onnxruntime-int8-shortlist"
    with pytest.raises(ValueError, match="needs runtime onnxruntime"):
        ServingConfig("int8", "torch", shortlist=True)
    with pytest.raises(ValueError, match="auto chooses whether"):
        ServingConfig("auto", shortlist=True)


def test_auto_tries_the_shortlist_where_the_folder_has_one_and_the_card_allows(
    tmp_path,
):
    for name in ("encoder.onnx", "decoder_step.onnx"):
        (tmp_path / name).write_bytes(b"")

    def names(evaluation):
        return [c.name for c in candidates(tmp_path, evaluation, REVERSE)]

    allowed = card(1.0, **{"onnxruntime-int8-shortlist": 1.0})
    assert "onnxruntime-int8-shortlist" not in names(allowed)  # no file yet
    learnt().save(tmp_path / SHORTLIST_FILE)
    assert "onnxruntime-int8-shortlist" in names(allowed)
    assert "onnxruntime-fp32-shortlist" not in names(allowed)  # no score
    assert "onnxruntime-int8-shortlist" not in names(card(1.0))


def test_the_command_writes_a_shortlist_that_load_serves(
    toy_model_dir, tmp_path, capsys
):
    folder = Path(shutil.copytree(toy_model_dir, tmp_path / "model"))
    assert main(["shortlist", str(folder), "--per_token", "5"]) == 0
    assert "a sentence's shortlist holds" in capsys.readouterr().out
    assert read_shortlist(folder).candidates.shape[1] == 5
    predictor = load(folder, precision="fp32", runtime="onnxruntime", shortlist=True)
    assert predictor.serving == ServingConfig("fp32", "onnxruntime", True)
    (prediction,) = predictor.predict(["abc"])
    assert -math.inf < prediction[0].log_prob <= 0
    # evaluate records the shortlist's scores under their own name
    output = tmp_path / "scores.json"
    argv = ["evaluate", str(folder), "--runtime", "onnxruntime", "--shortlist", "true"]
    argv += ["--limit", "3", "--baselines", "false", "--output", str(output)]
    assert main(argv) == 0
    assert json.loads(output.read_text())["path"] == "onnxruntime-fp32-shortlist"
