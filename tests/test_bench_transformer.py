"""The benchmark's Transformer variant: our recipe becomes Joey NMT's Transformer
at the same sizes, and its useful work is counted from its own architecture."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from s2s_hub.model import Seq2SeqConfig
from s2s_hub.search.config import DecodeConfig
from s2s_hub.training.config import TrainConfig

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(autouse=True)
def bench_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))  # the scripts import each other by name


def recipe_model() -> Seq2SeqConfig:
    from settings import recipe_of

    recipe = yaml.safe_load(recipe_of("transformer").read_text())
    return Seq2SeqConfig.from_dict(
        {**recipe["model"], "src_vocab_size": 800, "tgt_vocab_size": 800}
    )


def test_the_transformer_recipe_maps_to_joey_s_transformer(tmp_path):
    from joey.recipe import joey_config

    model = recipe_model()
    data = {
        "data_dir": tmp_path,
        "tokenizer": tmp_path / "spm.model",
        "vocab": tmp_path / "vocab.txt",
        "special_tokens": ["<pad>", "<unk>", "<s>", "</s>"],
        "max_source_tokens": 99,
        "max_target_tokens": 100,
    }
    train = TrainConfig(scheduler="constant", max_tokens=0)
    config = joey_config(model, train, DecodeConfig(method="beam"), data, tmp_path)
    for side, layers in (("encoder", 3), ("decoder", 3)):
        stack = config["model"][side]
        assert stack["type"] == "transformer" and stack["num_layers"] == layers
        assert (stack["hidden_size"], stack["num_heads"], stack["ff_size"]) == (
            256,
            4,
            1024,
        )
        assert stack["layer_norm"] == "pre" and stack["embeddings"]["scale"]
    assert not config["model"]["tied_softmax"] and "copy" not in str(config["model"])


def test_useful_work_counts_the_transformer_s_own_parts():
    from flops import LengthStats, forward_flops

    model = recipe_model()
    lengths = LengthStats.measure([10, 20], [10, 20])
    assert lengths.source_self_positions == pytest.approx((100 + 400) / 30)
    assert lengths.target_self_positions == pytest.approx((55 + 210) / 30)
    parts = forward_flops(model, lengths)
    d, f = 256, 1024
    assert parts["decoder feed-forward"] == 3 * 4 * d * f
    assert parts["output layer"] == 2 * d * 800
    assert "attention keys" not in parts  # the RNN's
    # longer sentences cost more per token only through attention
    longer = forward_flops(model, LengthStats.measure([40, 80], [40, 80]))
    assert longer["decoder feed-forward"] == parts["decoder feed-forward"]
    assert longer["encoder layers"] > parts["encoder layers"]
