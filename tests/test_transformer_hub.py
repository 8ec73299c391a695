"""A Transformer's artifacts: ``config.json`` names the architecture, the card
says it, the folder loads offline and decodes as the model it was exported from,
and int8 serving stays near fp32."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from huggingface_hub import ModelCard, constants
from torch import nn

import s2s_hub
from s2s_hub.evaluation.run import evaluate
from s2s_hub.files import CARD_FILE, CONFIG_FILE
from s2s_hub.hub import export
from s2s_hub.hub.export_options import ExportOptions
from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.predictor import Predictor
from s2s_hub.registry import get_task
from s2s_hub.search import decode
from s2s_hub.search.config import DecodeConfig
from s2s_hub.serving.int8_linear import INT8_LINEARS
from s2s_hub.serving.precision import with_precision
from s2s_hub.tokenizer import Tokenizer

TASK_OPTIONS = {"length": 4, "alphabet": 5, "train_size": 40, "eval_size": 6}
BEAM = DecodeConfig(method="beam", beam_size=3, n_best=2, max_length=10)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    """An untrained reverse Transformer with tied embeddings and the copy gate."""
    task = get_task("reverse", **TASK_OPTIONS)
    texts = [text for pair in task.pairs("train") for text in pair]
    tokenizer = Tokenizer.train(texts, vocab_size=40, byte_fallback=False)
    torch.manual_seed(0)
    config = Seq2SeqConfig(
        src_vocab_size=tokenizer.vocab_size,
        tgt_vocab_size=tokenizer.vocab_size,
        hidden_size=8,
        encoder_layers=2,
        decoder_layers=2,
        dropout=0.0,
        tie_embeddings=True,
        copy=True,
        arch="transformer",
        heads=2,
        ff_size=16,
    )
    return Predictor(Seq2Seq(config).eval(), tokenizer, task)


@pytest.fixture(scope="module")
def exported(predictor, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("transformer")
    return export(
        predictor, folder, evaluate(predictor, "test"), options=ExportOptions("org/rev")
    )


def texts_of(predictor: Predictor, config: DecodeConfig | None = None) -> list[str]:
    sources = [pair.source for pair in predictor.task.pairs("test")]
    return [n[0].text for n in predictor.predict(sources, config)]


def logits_of(model: nn.Module) -> torch.Tensor:
    src = torch.tensor([[5, 6, 7, 3], [8, 9, 3, 0]])
    tgt_in = torch.tensor([[2, 7, 6, 5], [2, 9, 8, 3]])
    with torch.no_grad():
        return model(src, torch.tensor([4, 3]), tgt_in).logits.float()


def decode_all(model: nn.Module) -> list:
    src = torch.tensor([[5, 6, 7, 3], [8, 9, 3, 0]])
    return decode(model, src, torch.tensor([4, 3]), BEAM)


def test_config_and_card_name_the_architecture(exported):
    config = json.loads((exported / CONFIG_FILE).read_text())
    assert (config["arch"], config["heads"], config["ff_size"]) == (
        "transformer",
        2,
        16,
    )
    card = ModelCard.load(exported / CARD_FILE)
    assert "An attentional Transformer encoder-decoder" in card.text
    assert "transformer" in card.data.tags and "rnn" not in card.data.tags


def test_folder_loads_offline_and_decodes_as_exported(predictor, exported, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    loaded = s2s_hub.load(exported)
    model = loaded.model
    assert model.config == predictor.model.config
    # one matrix for both embeddings and the output layer, as trained
    assert model.encoder.embed.weight is model.decoder.embed.weight
    assert model.output_layer.weight is model.decoder.embed.weight
    assert torch.equal(logits_of(model), logits_of(predictor.model))
    assert texts_of(loaded) == texts_of(predictor)
    assert texts_of(loaded, BEAM) == texts_of(predictor, BEAM)


def test_int8_quantizes_every_matrix_and_stays_near_fp32(predictor):
    model = with_precision(copy.deepcopy(predictor.model), "int8")
    linears = [m for m in model.modules() if type(m) is nn.Linear]
    assert all(m.out_features == 1 for m in linears)  # the copy gate's vector
    layer = model.decoder.layers[0]
    for matrix in (layer.self_attention.query, layer.cross_attention.key_value):
        assert isinstance(matrix, INT8_LINEARS)
    difference = (logits_of(model) - logits_of(predictor.model)).abs().max()
    assert 0 < difference < 0.05  # 0: nothing was converted


def test_int8_folder_decodes_every_search(exported):
    loaded = s2s_hub.load(exported, precision="int8")
    assert isinstance(loaded.model.output_layer, INT8_LINEARS)
    for method in ("greedy", "beam", "sample"):
        config = DecodeConfig(method=method, beam_size=3, max_length=8, seed=0)
        assert len(texts_of(loaded, config)) == len(loaded.task.pairs("test"))


def test_bf16_decodes_and_stays_near_fp32(predictor):
    model = with_precision(copy.deepcopy(predictor.model), "bf16")
    assert model.decoder.layers[0].feed_forward[0].weight.dtype == torch.bfloat16
    difference = (logits_of(model) - logits_of(predictor.model)).abs().max()
    assert 0 < difference < 0.05
    outputs = decode_all(model)
    assert all(torch.isfinite(torch.tensor(n[0].log_prob)) for n in outputs)


def test_the_demo_shows_a_transformer_s_n_best_and_heat_map(exported):
    from s2s_hub.app.predict import predict

    loaded = s2s_hub.load(exported)
    text, table, heat_map = predict(
        loaded, loaded.task, "a b c", "beam", 3, 1.0, 1.0, 0, 1.0, 10
    )
    assert table["output"].iloc[0] == text and len(table) >= 1
    assert heat_map.type == "matplotlib" and len(heat_map.plot) > 1000


def test_compare_puts_a_transformer_beside_an_rnn(exported, toy_model_dir):
    """The Compare tab's RNN-against-Transformer view, as docs/transformer.md
    tells a user to open it: each column names its architecture and draws its
    own heat map."""
    from s2s_hub.app.compare import compare, model_label
    from s2s_hub.app.models import tab_models

    models = tab_models(
        [get_task("reverse")], {"reverse": [str(toy_model_dir), str(exported)]}
    )
    assert [model_label(m).rsplit(" · ", 1)[1] for m in models] == [
        models[0].predictor.model.config.attention,
        "transformer",
    ]
    results = compare(models, "a b c")
    columns = zip(*[iter(results)] * 3, strict=True)
    for model, (text, _, heat_map) in zip(models, columns, strict=True):
        assert text == model.predictor.predict(["a b c"])[0][0].text
        assert heat_map.plot.startswith("data:image/png;base64,")
