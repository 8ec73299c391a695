"""The attentional recurrent decoder and the state it carries between steps.

One ``step`` function serves training (teacher forcing loops over it) and every
search method, so what is trained is exactly what is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from s2s_hub.model.attention import build_attention
from s2s_hub.model.cells import StackedCells
from s2s_hub.model.config import Seq2SeqConfig


@dataclass
class DecoderState:
    """Everything the decoder needs for its next step, batch-first except ``hidden``.

    The recurrent state has a row per hypothesis; what the source determines has
    one per sentence, shared by its ``group`` consecutive rows (its beams): copying
    encoder outputs to every beam, at the start and whenever a sentence left the
    batch, was an eighth of batched beam search's time in int8.

    Attributes:
        hidden: RNN state, a tuple of one (GRU) or two (LSTM: h, c) tensors of shape
            (layers, rows, hidden).
        feed: previous attentional vector, shape (rows, hidden) (input feeding).
        memory: encoder outputs, shape (batch, src_len, mem).
        keys: attention keys projected once from ``memory``.
        mask: True at real source positions, shape (batch, src_len).
        source: source token ids, shape (batch, src_len) (what the copy gate copies).
        step: index of the target position the next call produces (a 0-d tensor
            while the step is traced into an ONNX graph, where it is an input).
    """

    hidden: tuple[Tensor, ...]
    feed: Tensor
    memory: Tensor
    keys: Tensor
    mask: Tensor
    source: Tensor
    step: int | Tensor = 0

    @property
    def group(self) -> int:
        """Rows per sentence."""
        return self.feed.size(0) // self.memory.size(0)

    def select(self, index: Tensor) -> DecoderState:
        """The state of rows ``index``, in any order and repeated at will, each
        row then a sentence of its own (its encoder outputs copied to it)."""
        return self.keep(index, torch.div(index, self.group, rounding_mode="floor"))

    def expand(self, count: int) -> DecoderState:
        """Every row repeated ``count`` times in a row (beams), sharing its
        sentence's encoder outputs."""
        rows = torch.arange(self.feed.size(0), device=self.feed.device)
        return self.reorder(rows.repeat_interleave(count))

    def keep(self, rows: Tensor, sentences: Tensor) -> DecoderState:
        """Rows ``rows`` of sentences ``sentences``, each sentence's rows together."""
        return replace(
            self.reorder(rows),
            memory=self.memory.index_select(0, sentences),
            keys=self.keys.index_select(0, sentences),
            mask=self.mask.index_select(0, sentences),
            source=self.source.index_select(0, sentences),
        )

    def reorder(self, index: Tensor) -> DecoderState:
        """Reorder rows among those of their own sentence (beams within a
        sentence): the per-sentence tensors stay as they are."""
        # not ``replace``, which costs beam search's step several times as much
        return DecoderState(
            tuple(h.index_select(1, index) for h in self.hidden),
            self.feed.index_select(0, index),
            self.memory,
            self.keys,
            self.mask,
            self.source,
            self.step,
        )


class Decoder(nn.Module):
    """Luong-style decoder with input feeding, or Bahdanau-style when it says so.

    Luong (2015): ``s_t = RNN([y_{t-1}; h~_{t-1}], s_{t-1})``, ``c_t = attn(s_t)``,
    ``h~_t = tanh(W_c [s_t; c_t])``. Bahdanau (2015) attends before the step with the
    previous state: ``c_t = attn(s_{t-1})``, ``s_t = RNN([y_{t-1}; c_t], s_{t-1})``.
    Both emit the attentional vector ``h~_t``; input feeding adds ``h~_{t-1}`` to the
    RNN input of either.
    """

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.config = config
        hidden, memory = config.hidden_size, config.encoder_output_size
        self.attend_first = config.attention == "bahdanau"
        extra = hidden if config.input_feeding else 0
        extra += memory if self.attend_first else 0
        self.embed = nn.Embedding(
            config.tgt_vocab_size, config.emb_size, padding_idx=config.pad_id
        )
        self.dropout = nn.Dropout(config.dropout)
        self.rnn = StackedCells(
            config.cell,
            config.emb_size,
            extra,
            hidden,
            config.decoder_layers,
            config.dropout,
        )
        self.attention = build_attention(config)
        self.bridge = nn.Linear(memory, hidden)
        self.combine = nn.Linear(hidden + memory, hidden, bias=False)

    def init_state(
        self, memory: Tensor, final: Tensor, mask: Tensor, source: Tensor
    ) -> DecoderState:
        """Initial state: every layer starts from ``tanh(W_b [h_fwd; h_bwd])``."""
        start = torch.tanh(self.bridge(final))  # batch x hidden
        layers = start.unsqueeze(0).repeat(self.config.decoder_layers, 1, 1)
        hidden = (layers, layers) if self.config.cell == "lstm" else (layers,)
        return DecoderState(
            hidden=hidden,
            feed=start.new_zeros(start.shape),
            memory=memory,
            keys=self.attention.keys(memory),
            mask=mask,
            source=source,
        )

    def embed_tokens(self, tokens: Tensor) -> Tensor:
        """Embed target tokens, (...) -> (..., gates): done once for all steps when
        teacher forcing, once per step when searching."""
        return self.rnn.project(self.dropout(self.embed(tokens)))

    def step(
        self, embedded: Tensor, state: DecoderState
    ) -> tuple[Tensor, Tensor, DecoderState]:
        """One target position.

        Args:
            embedded: ``embed_tokens`` of the previous token, shape (batch, gates).
            state: the state after the previous position.

        Returns:
            the attentional vector (batch, hidden), attention weights (batch, src_len)
            and the next state.
        """
        extra = []
        if self.attend_first:
            query = state.hidden[0][-1]  # batch x hidden: top layer of s_{t-1}
            context, weights = self._attend(query, state)
            extra.append(context)
        if self.config.input_feeding:
            extra.append(state.feed)
        extra_input = torch.cat(extra, dim=-1) if extra else None
        top, hidden = self.rnn(embedded, extra_input, state.hidden)  # batch x hidden
        if not self.attend_first:
            context, weights = self._attend(top, state)
        vector = torch.tanh(self.combine(torch.cat([top, context], dim=-1)))
        vector = self.dropout(vector)  # batch x hidden
        next_state = replace(state, hidden=hidden, feed=vector, step=state.step + 1)
        return vector, weights, next_state

    def _attend(self, query: Tensor, state: DecoderState) -> tuple[Tensor, Tensor]:
        return self.attention(query, state.keys, state.memory, state.mask, state.step)

    def forward(self, tgt_in: Tensor, state: DecoderState) -> tuple[Tensor, Tensor]:
        """Teacher forcing over a whole target batch.

        Args:
            tgt_in: bos-prefixed target ids, shape (batch, tgt_len).

        Returns:
            attentional vectors (batch, tgt_len, hidden) and attention weights
            (batch, tgt_len, src_len).
        """
        embedded = self.embed_tokens(tgt_in)  # batch x tgt_len x gates
        vectors, weights = [], []
        # unbind, not embedded[:, t]: the backward of T slices would zero-fill T
        # full-size gradient buffers; unbind's backward stacks once
        for step_input in embedded.unbind(dim=1):
            vector, weight, state = self.step(step_input, state)
            vectors.append(vector)
            weights.append(weight)
        return torch.stack(vectors, dim=1), torch.stack(weights, dim=1)
