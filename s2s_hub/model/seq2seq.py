"""The whole model: encoder, attentional decoder and output layer, as a plain module.

Training (``s2s_hub.training``) and decoding (``s2s_hub.search``) both hold a
``Seq2Seq``; neither is part of it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import safetensors
import safetensors.torch
import torch
from huggingface_hub import PyTorchModelHubMixin, constants, hf_hub_download
from torch import Tensor, nn

from s2s_hub.model.attention import by_sentence
from s2s_hub.model.config import ConfigTokenIds, Seq2SeqConfig
from s2s_hub.model.copy import CopyGate
from s2s_hub.model.decoder import Decoder, DecoderState
from s2s_hub.model.encoder import Encoder
from s2s_hub.model.output_layer import OutputLayer
from s2s_hub.model.transformer import TransformerDecoder, TransformerEncoder
from s2s_hub.model.transformer_state import TransformerState

REPO_URL = "https://github.com/s2s-hub/s2s-hub"
LICENSE = "apache-2.0"


class Seq2SeqOutput(NamedTuple):
    logits: Tensor  # batch x tgt_len x tgt_vocab
    attention: Tensor  # batch x tgt_len x src_len


class Seq2Seq(
    nn.Module,
    ConfigTokenIds,
    PyTorchModelHubMixin,
    library_name="s2s-hub",
    tags=["s2s-hub", "seq2seq", "rnn", "attention"],
    license=LICENSE,
    repo_url=REPO_URL,
):
    """Attentional encoder-decoder: an RNN (Bahdanau et al., 2015; Luong et al.,
    2015) or a Transformer (Vaswani et al., 2017), as ``config.arch`` says; both
    pairs of parts answer the same calls, so the rest of s2s-hub drives either.

    The Hub mixin gives ``save_pretrained`` / ``from_pretrained`` / ``push_to_hub``
    with ``model.safetensors`` and ``config.json``; ``s2s_hub.hub`` adds the tokenizer,
    task and card around them.
    """

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.config = config
        transformer = config.arch == "transformer"
        self.encoder = (TransformerEncoder if transformer else Encoder)(config)
        self.decoder = (TransformerDecoder if transformer else Decoder)(config)
        self.output_layer = OutputLayer(config.hidden_size, config.tgt_vocab_size)
        if config.tie_embeddings:
            self.output_layer.weight = self.decoder.embed.weight
            if transformer and config.src_vocab_size == config.tgt_vocab_size:
                self.encoder.embed.weight = self.decoder.embed.weight
        self.copy = CopyGate(config.hidden_size, config.eos_id) if config.copy else None

    def encode(
        self, src: Tensor, src_lengths: Tensor
    ) -> DecoderState | TransformerState:
        """Encode ``src`` (batch, src_len) into the decoder's initial state."""
        memory, final = self.encoder(src, src_lengths)
        positions = torch.arange(src.size(1), device=src.device)
        mask = positions.unsqueeze(0) < src_lengths.unsqueeze(1)  # batch x src_len
        return self.decoder.init_state(memory, final, mask, src)

    def step(
        self, prev_tokens: Tensor, state: DecoderState | TransformerState
    ) -> tuple[Tensor, Tensor, DecoderState | TransformerState]:
        """Float32 log-probabilities (batch, tgt_vocab) of the token after
        ``prev_tokens`` (batch,): what every search reads."""
        embedded = self.decoder.embed_tokens(prev_tokens)
        vector, weights, state = self.decoder.step(embedded, state)
        if self.copy is None:
            scores = self.output_layer(vector).float().log_softmax(dim=-1)
        else:  # the mixture is normalised already; a sentence's rows are its beams
            by_row = by_sentence(weights, state.source.size(0))
            source = state.source.unsqueeze(1).expand_as(by_row).flatten(0, 1)
            # the mixture is made row by row, so the scores need no reshaping:
            # in ONNX Runtime that copied them (1 ms a step of a 64-sentence batch)
            scores = self.scores(vector, weights, source)
        return scores, weights, state

    def scores(self, vectors: Tensor, attention: Tensor, source: Tensor) -> Tensor:
        """Output logits of attentional ``vectors`` (..., hidden); with ``copy``,
        the mixture's log-probabilities (``CopyGate``), which serve as logits.

        Args:
            attention: (..., src_len) weights of ``vectors``' steps.
            source: source ids of the same shape as ``attention``.
        """
        logits = self.output_layer(vectors)
        if self.copy is None:
            return logits
        return self.copy(logits, vectors, attention, source)

    def features(
        self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Attentional vectors (batch, tgt_len, hidden) and attention, before the
        output layer: the loss projects only non-pad positions to the vocabulary."""
        return self.decoder(tgt_in, self.encode(src, src_lengths))

    def forward(
        self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor
    ) -> Seq2SeqOutput:
        """Teacher-forced logits for bos-prefixed ``tgt_in`` (batch, tgt_len)."""
        vectors, attention = self.features(src, src_lengths, tgt_in)
        source = src.unsqueeze(1).expand_as(attention)
        return Seq2SeqOutput(self.scores(vectors, attention, source), attention)

    @classmethod
    def _from_pretrained(
        cls,
        *,
        model_id: str,
        revision: str | None,
        cache_dir: str | Path | None,
        force_download: bool,
        local_files_only: bool,
        token: str | bool | None,
        config: Seq2SeqConfig | dict[str, Any] | None = None,
        map_location: str = "cpu",
    ) -> Seq2Seq:
        """The mixin's loader, made strict: safetensors only, every tensor must fit.

        The mixin would fall back to a pickled ``pytorch_model.bin`` and load with
        ``strict=False``, silently keeping random weights for missing tensors.
        ``config`` arrives as the raw ``config.json`` dict (this module's postponed
        annotations hide the dataclass from the mixin) or as a ``Seq2SeqConfig``
        passed by the caller, parsed by ``s2s_hub.files.model_config``.
        """
        if config is None:
            raise FileNotFoundError(f"no {constants.CONFIG_NAME} in {model_id}")
        if not isinstance(config, Seq2SeqConfig):
            from s2s_hub.files import model_config  # files imports this package

            config = model_config(config)
        if os.path.isdir(model_id):
            weights = os.path.join(model_id, constants.SAFETENSORS_SINGLE_FILE)
        else:
            weights = hf_hub_download(
                model_id,
                constants.SAFETENSORS_SINGLE_FILE,
                revision=revision,
                cache_dir=cache_dir,
                force_download=force_download,
                local_files_only=local_files_only,
                token=token,
            )
        model = cls(config)
        _load_weights(model, weights, map_location)
        return model.eval()


def _load_weights(model: Seq2Seq, path: str, device: str) -> None:
    """Fill ``model`` from a safetensors file; every failure names the file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"missing weights file {path}")
    try:
        safetensors.torch.load_model(model, path, strict=True, device=device)
    except safetensors.SafetensorError as error:
        message = f"{path} is not a readable safetensors file: {error}"
        raise ValueError(message) from error
    except RuntimeError as error:
        raise ValueError(f"{path} does not match the model config: {error}") from error
