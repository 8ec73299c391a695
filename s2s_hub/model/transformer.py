"""The Transformer's encoder and decoder, with the RNN's interface.

``Seq2Seq`` holds either these or the RNN's ``Encoder`` and ``Decoder``
(``config.arch``); both pairs offer the same calls (``encoder(src, lengths)``,
``decoder.init_state``, ``embed_tokens``, ``step`` and teacher-forced
``forward``), so training, the searches, int8 serving and the Hub layout drive
either without knowing which.

The attention weights a hypothesis carries (heat maps, the copy gate) are the
source attention of the last decoder layer, averaged over its heads: the last
layer's is the one the output is read from, and a single head's is often sharp
on one position for reasons unrelated to alignment (Voita et al., 2019), which
the mean smooths.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from s2s_hub.model.config import Seq2SeqConfig
from s2s_hub.model.positions import sinusoids
from s2s_hub.model.transformer_layers import DecoderLayer, EncoderLayer
from s2s_hub.model.transformer_state import TransformerState


def with_positions(embedded: Tensor, positions: Tensor) -> Tensor:
    """``embedded`` (..., size) plus the encodings of ``positions`` (...) or of
    one position (a 0-d tensor), in the embeddings' dtype (bf16 serving)."""
    encodings = sinusoids(positions, embedded.size(-1))
    return embedded + encodings.to(embedded.dtype)


class Embeddings(nn.Embedding):
    """Token embeddings scaled by ``sqrt(size)``, so that they outweigh the
    position encodings they are added to; initialised with standard deviation
    ``size ** -0.5``, for the output layer when it shares them."""

    def __init__(self, vocab_size: int, size: int, pad_id: int) -> None:
        super().__init__(vocab_size, size, padding_idx=pad_id)
        nn.init.normal_(self.weight, std=size**-0.5)
        with torch.no_grad():
            self.weight[pad_id].zero_()
        self.scale = math.sqrt(size)

    def forward(self, tokens: Tensor) -> Tensor:
        return super().forward(tokens) * self.scale


class TransformerEncoder(nn.Module):
    """Embeddings and positions, ``encoder_layers`` pre-norm layers, a final
    layer norm."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        size = config.hidden_size
        self.embed = Embeddings(config.src_vocab_size, size, config.pad_id)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(
            EncoderLayer(size, config.heads, config.ff_size, config.dropout)
            for _ in range(config.encoder_layers)
        )
        self.norm = nn.LayerNorm(size)

    def forward(self, src: Tensor, src_lengths: Tensor) -> tuple[Tensor, None]:
        """Encode a padded batch.

        Args:
            src: token ids, shape (batch, src_len).
            src_lengths: real lengths, shape (batch,).

        Returns:
            memory: outputs at every position, shape (batch, src_len, size)
                (padding's are never attended to), and None where the RNN gives
                its final state: the decoder starts from the memory alone.
        """
        positions = torch.arange(src.size(1), device=src.device)
        mask = positions.unsqueeze(0) < src_lengths.unsqueeze(1)  # batch x src_len
        x = self.dropout(with_positions(self.embed(src), positions))
        allowed = mask[:, None, None, :]  # batch x 1 x 1 x src_len
        for layer in self.layers:
            x = layer(x, allowed)
        return self.norm(x), None


class TransformerDecoder(nn.Module):
    """Embeddings and positions, ``decoder_layers`` pre-norm layers, a final
    layer norm; its vectors go to ``Seq2Seq``'s output layer."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.config = config
        size = config.hidden_size
        self.embed = Embeddings(config.tgt_vocab_size, size, config.pad_id)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(
            DecoderLayer(size, config.heads, config.ff_size, config.dropout)
            for _ in range(config.decoder_layers)
        )
        self.norm = nn.LayerNorm(size)

    def init_state(
        self, memory: Tensor, final: None, mask: Tensor, source: Tensor
    ) -> TransformerState:
        """The source's keys and values for every layer, and an empty target
        cache.

        Args:
            memory: encoder outputs, shape (batch, src_len, size).
            final: unused (the RNN's encoder final state).
            mask: True at real source positions, shape (batch, src_len).
            source: source token ids, shape (batch, src_len).
        """
        cross = [layer.cross_attention.keys_values(memory) for layer in self.layers]
        heads = self.config.heads
        empty = memory.new_zeros(memory.size(0), heads, 0, memory.size(2) // heads)
        return TransformerState(
            self_keys=(empty,) * len(self.layers),
            self_values=(empty,) * len(self.layers),
            cross_keys=tuple(keys for keys, _ in cross),
            cross_values=tuple(values for _, values in cross),
            mask=mask,
            source=source,
        )

    def embed_tokens(self, tokens: Tensor) -> Tensor:
        """Scaled embeddings of target tokens, (...) -> (..., size); positions
        are added by ``step`` and ``forward``, which know them."""
        return self.embed(tokens)

    def step(
        self, embedded: Tensor, state: TransformerState
    ) -> tuple[Tensor, Tensor, TransformerState]:
        """One target position per row, from the cache of the earlier ones.

        Args:
            embedded: ``embed_tokens`` of the previous token, shape (rows, size).
            state: the state after the previous position.

        Returns:
            the output vector (rows, size), the last layer's source attention
            (rows, src_len) and the next state.
        """
        position = torch.as_tensor(state.step, device=embedded.device)
        x = self.dropout(with_positions(embedded, position))
        x = x.unsqueeze(1)  # rows x 1 x size
        keys, values = [], []
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x, weights, layer_keys, layer_values = layer.step(
                x,
                state.self_keys[i],
                state.self_values[i],
                state.cross_keys[i],
                state.cross_values[i],
                state.mask,
                need_weights=i == last,
            )
            keys.append(layer_keys)
            values.append(layer_values)
        next_state = TransformerState(
            tuple(keys),
            tuple(values),
            state.cross_keys,
            state.cross_values,
            state.mask,
            state.source,
            state.step + 1,
        )
        return self.norm(x.squeeze(1)), weights, next_state

    def forward(self, tgt_in: Tensor, state: TransformerState) -> tuple[Tensor, Tensor]:
        """Teacher forcing over a whole target batch, one row per sentence.

        Args:
            tgt_in: bos-prefixed target ids, shape (batch, tgt_len).
            state: ``init_state``'s state of the batch's sources.

        Returns:
            output vectors (batch, tgt_len, size) and the last layer's source
            attention (batch, tgt_len, src_len).
        """
        positions = torch.arange(tgt_in.size(1), device=tgt_in.device)
        embedded = self.embed_tokens(tgt_in)  # batch x tgt_len x size
        x = self.dropout(with_positions(embedded, positions))
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x, weights = layer(
                x,
                state.cross_keys[i],
                state.cross_values[i],
                state.mask,
                need_weights=i == last,
            )
        return self.norm(x), weights
