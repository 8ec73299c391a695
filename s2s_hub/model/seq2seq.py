"""The whole model: encoder, attentional decoder and output layer, as a plain module.

Training (``s2s_hub.training``) and decoding (``s2s_hub.search``) both hold a
``Seq2Seq``; neither is part of it.
"""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor, nn

from s2s_hub.model.config import Seq2SeqConfig
from s2s_hub.model.decoder import Decoder, DecoderState
from s2s_hub.model.encoder import Encoder


class Seq2SeqOutput(NamedTuple):
    logits: Tensor  # batch x tgt_len x tgt_vocab
    attention: Tensor  # batch x tgt_len x src_len


class Seq2Seq(nn.Module):
    """Attentional RNN encoder-decoder (Bahdanau et al., 2015; Luong et al., 2015)."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.output_layer = nn.Linear(config.hidden_size, config.tgt_vocab_size)
        if config.tie_embeddings:
            self.output_layer.weight = self.decoder.embed.weight

    @property
    def pad_id(self) -> int:
        return self.config.pad_id

    @property
    def bos_id(self) -> int:
        return self.config.bos_id

    @property
    def eos_id(self) -> int:
        return self.config.eos_id

    def encode(self, src: Tensor, src_lengths: Tensor) -> DecoderState:
        """Encode ``src`` (batch, src_len) into the decoder's initial state."""
        memory, final = self.encoder(src, src_lengths)
        mask = src != self.pad_id  # batch x src_len
        return self.decoder.init_state(memory, final, mask)

    def step(self, prev_tokens: Tensor, state: DecoderState) -> tuple[Tensor, Tensor, DecoderState]:
        """Logits (batch, tgt_vocab) of the next token after ``prev_tokens`` (batch,)."""
        embedded = self.decoder.dropout(self.decoder.embed(prev_tokens))
        vector, weights, state = self.decoder.step(embedded, state)
        return self.output_layer(vector), weights, state

    def features(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor) -> tuple[Tensor, Tensor]:
        """Attentional vectors (batch, tgt_len, hidden) and attention, before the
        output layer: the loss projects only non-pad positions to the vocabulary."""
        return self.decoder(tgt_in, self.encode(src, src_lengths))

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor) -> Seq2SeqOutput:
        """Teacher-forced logits for bos-prefixed targets ``tgt_in`` (batch, tgt_len)."""
        vectors, attention = self.features(src, src_lengths, tgt_in)
        return Seq2SeqOutput(self.output_layer(vectors), attention)
