"""Joey NMT's YAML config, made from our recipe so that both toolkits train one model.

Input: our ``Seq2SeqConfig``, ``TrainConfig`` and ``DecodeConfig`` (from
``configs/joey-comparison.yaml``) and the shared data. What Joey cannot express is
refused here with the reason, rather than silently approximated.

Mapping, ours -> Joey:

- ``attention``: ``bahdanau`` -> ``bahdanau``, ``general`` -> ``luong`` (Joey's Luong
  attention is the general score ``h_t^T W_a h_s``). Both of Joey's attentions use
  Luong's wiring (query with the state after the RNN step); our ``bahdanau`` feeds
  the context into the RNN as Bahdanau et al. did, so its decoder layer 0 has an
  extra 2H x 4H input matrix (``flops.py`` counts both).
- sizes, layers, cell, bidirectional, input feeding, bridge initialisation: as they
  are; dropout on embeddings, between RNN layers and on the attentional vector.
- ``arch: transformer`` -> Joey's Transformer encoder and decoder: layers, heads,
  ``hidden_size`` (embeddings too, scaled by its square root), ``ff_size``, ReLU,
  pre-norm (``layer_norm: pre``), one dropout for embeddings and layers;
  ``tie_embeddings`` -> ``tied_softmax`` and, one vocabulary being shared,
  ``tied_embeddings`` (ours ties the encoder's embeddings too).
- loss: label-smoothed cross entropy averaged over target tokens
  (``normalization: tokens``), Adam, gradient-norm clipping, equal batch in sentences.
- a constant rate is Joey's ``exponential`` schedule with ``decrease_factor: 1.0``
  (its ``plateau`` breaks on torch 2.13, and it insists on a schedule).
- beam search: beam size, GNMT length penalty (``beam_alpha``), output lengths.
- data: the shared plain-text splits, Joey's length filter at our limits, and our
  SentencePiece model with its full piece list as the vocabulary file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from s2s_hub.model import Seq2SeqConfig
from s2s_hub.search.config import DecodeConfig
from s2s_hub.training.config import TrainConfig

ATTENTIONS = {"bahdanau": "bahdanau", "general": "luong"}
NEVER = 10**9  # Joey validates every validation_freq steps: never, in a benchmark


def joey_config(
    model: Seq2SeqConfig,
    train: TrainConfig,
    decode: DecodeConfig,
    data: dict[str, Any],
    model_dir: Path,
) -> dict[str, Any]:
    """The config dict to dump as Joey's YAML.

    Args:
        data: ``data_dir`` (with ``{split}.en/.de``), ``tokenizer`` (the .model
            file), ``vocab`` (its pieces, one a line), ``special_tokens`` (our
            pad/unk/bos/eos pieces), ``max_source_tokens`` and
            ``max_target_tokens`` (without eos).
        model_dir: Joey's output folder.
    """
    _check(model, train)
    return {
        "name": model_dir.name,
        "joeynmt_version": "2.3.0",
        "model_dir": str(model_dir),
        "use_cuda": False,
        "fp16": False,
        "random_seed": train.seed,
        "num_workers": train.num_workers,
        "data": _data(data),
        "training": _training(train),
        "testing": _testing(decode),
        "model": _model(model),
    }


def _check(model: Seq2SeqConfig, train: TrainConfig) -> None:
    problems = []
    if model.arch == "rnn" and model.attention not in ATTENTIONS:
        problems.append(
            f"attention {model.attention!r}: Joey NMT has {sorted(ATTENTIONS)} only"
        )
    if model.copy:
        problems.append("copy: Joey NMT has no copy gate")
    if train.scheduler != "constant":
        problems.append(f"scheduler {train.scheduler!r}: only constant maps to Joey")
    if train.max_tokens:
        problems.append("max_tokens: compare at an equal batch of sentences")
    if problems:
        raise ValueError("cannot express in Joey NMT: " + "; ".join(problems))


def _data(data: dict[str, Any]) -> dict[str, Any]:
    folder = Path(data["data_dir"])
    pad, unk, bos, eos = data["special_tokens"]

    def side(lang: str, max_length: int) -> dict[str, Any]:
        return {
            "lang": lang,
            "level": "bpe",
            "lowercase": False,
            "normalize": False,
            "max_length": max_length,
            "voc_file": str(data["vocab"]),
            "tokenizer_type": "sentencepiece",
            "tokenizer_cfg": {"model_file": str(data["tokenizer"])},
        }

    return {
        "train": str(folder / "train"),
        "dev": str(folder / "dev"),
        "test": str(folder / "test"),
        "dataset_type": "plain",
        "sample_dev_subset": -1,
        "src": side("en", data["max_source_tokens"]),
        "trg": side("de", data["max_target_tokens"]),
        # Joey always puts unk, pad, bos, eos first, in that order.
        "special_symbols": {
            "unk_token": unk,
            "unk_id": 0,
            "pad_token": pad,
            "pad_id": 1,
            "bos_token": bos,
            "bos_id": 2,
            "eos_token": eos,
            "eos_id": 3,
        },
    }


def _training(train: TrainConfig) -> dict[str, Any]:
    return {
        "optimizer": "adam",
        "learning_rate": train.lr,
        "learning_rate_min": 1.0e-9,
        "weight_decay": train.weight_decay,
        "scheduling": "exponential",
        "decrease_factor": 1.0,
        "loss": "crossentropy",
        "label_smoothing": train.label_smoothing,
        "normalization": "tokens",
        "clip_grad_norm": train.gradient_clip_val or None,
        "batch_size": train.batch_size,
        "batch_type": "sentence",
        "shuffle": True,
        "epochs": 10**6,
        "logging_freq": 10,
        "validation_freq": NEVER,
        "keep_best_ckpts": 1,
        "overwrite": True,
    }


def _testing(decode: DecodeConfig) -> dict[str, Any]:
    return {
        "batch_size": 64,
        "batch_type": "sentence",
        "beam_size": decode.beam_size,
        "beam_alpha": decode.length_penalty,
        "max_output_length": decode.max_length,
        "min_output_length": decode.min_length,
        "n_best": 1,
        "eval_metrics": [],
    }


def _model(model: Seq2SeqConfig) -> dict[str, Any]:
    if model.arch == "transformer":
        return _transformer(model)
    embeddings = {
        "embedding_dim": model.emb_size,
        "scale": False,
        "dropout": model.dropout,
    }
    return {
        "tied_embeddings": False,
        "tied_softmax": model.tie_embeddings,
        "encoder": {
            "type": "recurrent",
            "rnn_type": model.cell,
            "embeddings": embeddings,
            "hidden_size": model.hidden_size,
            "bidirectional": model.bidirectional,
            "num_layers": model.encoder_layers,
            "dropout": model.dropout,
        },
        "decoder": {
            "type": "recurrent",
            "rnn_type": model.cell,
            "embeddings": embeddings,
            "hidden_size": model.hidden_size,
            "num_layers": model.decoder_layers,
            "attention": ATTENTIONS[model.attention],
            "input_feeding": model.input_feeding,
            "init_hidden": "bridge",
            "dropout": model.dropout,
            "hidden_dropout": model.dropout,
        },
    }


def _transformer(model: Seq2SeqConfig) -> dict[str, Any]:
    size = model.hidden_size

    def stack(layers: int) -> dict[str, Any]:
        return {
            "type": "transformer",
            "num_layers": layers,
            "num_heads": model.heads,
            "embeddings": {
                "embedding_dim": size,
                "scale": True,
                "dropout": model.dropout,
            },
            "hidden_size": size,
            "ff_size": model.ff_size,
            "dropout": model.dropout,
            "layer_norm": "pre",
            "activation": "relu",
        }

    return {
        "tied_embeddings": model.tie_embeddings,
        "tied_softmax": model.tie_embeddings,
        "encoder": stack(model.encoder_layers),
        "decoder": stack(model.decoder_layers),
    }
