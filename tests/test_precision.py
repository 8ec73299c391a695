"""Reduced precision (``serving/precision.py``) and the serving settings
(``serving/config.py``): what int8 quantizes, how close bf16 and int8 stay to fp32,
and that a bad setting is one clear error."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.ao.nn.quantized import dynamic as quantized
from torch.ao.quantization import per_channel_dynamic_qconfig

from s2s_hub.app.models import PRECISION_ENV, load_predictor
from s2s_hub.cli.main import main
from s2s_hub.hub import load
from s2s_hub.search import DecodeConfig, decode
from s2s_hub.serving import ServingConfig, precision
from s2s_hub.serving.cache import CACHE_ENV
from s2s_hub.serving.cpu import native_int8_dot
from s2s_hub.serving.int8_linear import INT8_LINEARS
from s2s_hub.serving.precision import (
    FullRangeLinear,
    with_precision,
)
from tests.test_copy import LENGTHS, SRC, TGT_IN, tiny

torch.set_num_threads(1)
# a step's logits move by about 1e-3 on this tiny model; 0.02 still catches a layer
# that computes something else
TOLERANCE = {"bf16": 0.02, "int8": 0.02}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("int8_dot", [True, False])
def test_int8_quantizes_the_weight_matrices_and_the_encoder_rnn(
    cell, int8_dot, monkeypatch
):
    monkeypatch.setattr(precision, "native_int8_dot", lambda: int8_dot)
    monkeypatch.setattr(precision, "native_amx", lambda: False)
    model = with_precision(tiny("bahdanau", cell=cell), "int8")
    assert isinstance(model.encoder.rnn, (quantized.LSTM, quantized.GRU))
    decoder = model.decoder
    matrices = [
        model.output_layer,
        decoder.attention.key_proj,
        decoder.attention.query_proj,
        decoder.rnn.embedding_proj,
        decoder.rnn.extra_proj,
        *decoder.rnn.input_proj,
        *decoder.rnn.recurrent_proj,
        decoder.bridge,
    ]
    # 8-bit activations where int8 dot products do not saturate; with 7, combine's
    # input (a few large values among many tiny ones) loses the most: fp32
    if int8_dot:
        matrices.append(decoder.combine)
    else:
        assert type(decoder.combine) is nn.Linear
    layer_type = FullRangeLinear if int8_dot else quantized.Linear
    assert all(type(layer) is layer_type for layer in matrices)
    # one-row weights stay fp32: attention reads v.weight as a tensor
    assert type(decoder.attention.v) is nn.Linear
    assert type(model.copy.gate) is nn.Linear
    assert model.decoder.embed.weight.dtype == torch.float32


@pytest.mark.skipif(
    not native_int8_dot(), reason="8-bit activations saturate without int8 dot products"
)
def test_full_range_activations_round_more_finely():
    torch.manual_seed(0)
    linear = nn.Linear(64, 32)
    # mostly tiny inputs beside one large one, as combine's
    x = torch.randn(16, 64) * 0.03
    x[:, 0] = 1.0
    expected = linear(x)
    errors = {}
    for kind in (quantized.Linear, FullRangeLinear):
        linear.qconfig = per_channel_dynamic_qconfig
        errors[kind] = (kind.from_float(linear)(x) - expected).abs().mean()
    assert errors[FullRangeLinear] < 0.7 * errors[quantized.Linear]


@pytest.mark.parametrize("precision", ["bf16", "int8"])
@pytest.mark.parametrize(
    ("attention", "cell"), [("bahdanau", "lstm"), ("local-p", "gru")]
)
def test_logits_stay_close_to_fp32(precision, attention, cell):
    with torch.no_grad():
        expected = tiny(attention, cell=cell)(SRC, LENGTHS, TGT_IN).logits
        model = with_precision(tiny(attention, cell=cell), precision)
        actual = model(SRC, LENGTHS, TGT_IN).logits.float()
    difference = (actual - expected).abs().max()
    assert 0 < difference < TOLERANCE[precision]  # 0: nothing was converted


@pytest.mark.parametrize("precision", ["bf16", "int8"])
@pytest.mark.parametrize("method", ["greedy", "beam", "sample"])
def test_every_search_decodes_a_reduced_model(precision, method):
    model = with_precision(tiny("general", copy=False), precision)
    config = DecodeConfig(method=method, beam_size=3, max_length=6, seed=0)
    outputs = decode(model, SRC, LENGTHS, config)
    assert len(outputs) == 2
    for nbest in outputs:
        assert len(nbest[0].tokens) <= 6
        assert nbest[0].attention.dtype == torch.float32
        assert torch.isfinite(torch.tensor(nbest[0].log_prob))


def test_load_converts_a_folder_and_scores_in_fp32(toy_model_dir):
    predictor = load(toy_model_dir, precision="bf16")
    assert predictor.model.output_layer.weight.dtype == torch.bfloat16
    assert len(predictor.translate(["abc", "cab"])) == 2
    pair = predictor.task.pairs("test")[0]
    assert predictor.score([pair])[0].log_prob < 0
    int8 = load(toy_model_dir, precision="int8")
    assert isinstance(int8.model.output_layer, INT8_LINEARS)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"precision": "fp16"},
            "precision must be one of ('fp32', 'bf16', 'int8', 'auto')",
        ),
        ({"runtime": "tensorrt"}, "runtime must be one of ('torch', 'onnxruntime')"),
        ({"precision": "bf16", "runtime": "onnxruntime"}, "bf16 needs runtime torch"),
    ],
)
def test_bad_settings_are_one_clear_error(settings, message, toy_model_dir, capsys):
    with pytest.raises(ValueError, match="invalid serving settings") as error:
        ServingConfig(**settings)
    assert message in str(error.value)
    with pytest.raises(ValueError, match="invalid serving settings"):
        load(toy_model_dir, **settings)
    flags = [f"--{name}={value}" for name, value in settings.items()]
    assert main(["predict", str(toy_model_dir), "abc", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("s2s-hub: error:") and message in err and "\n" not in err


def test_cli_predicts_in_int8(toy_model_dir, capsys):
    assert main(["predict", str(toy_model_dir), "abc", "--precision", "int8"]) == 0
    assert capsys.readouterr().out.count("\n") == 1  # one answer


def test_the_demo_loads_its_models_in_the_precision_of_the_environment(
    toy_model_dir, monkeypatch, tmp_path
):
    monkeypatch.setenv(PRECISION_ENV, "int8")
    predictor = load_predictor.__wrapped__(str(toy_model_dir))  # uncached
    assert predictor.serving == ServingConfig("int8")
    assert isinstance(predictor.model.output_layer, INT8_LINEARS)
    # unset: auto, which serves fp32 (in torch or ONNX Runtime) where the card
    # records no int8 score
    monkeypatch.delenv(PRECISION_ENV)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    predictor = load_predictor.__wrapped__(str(toy_model_dir))
    assert predictor.serving.precision == "fp32"


def test_this_torch_build_runs_int8():
    """The CPU wheel CI installs has a quantized engine, so the demo serves int8."""
    assert any(e != "none" for e in torch.backends.quantized.supported_engines)
