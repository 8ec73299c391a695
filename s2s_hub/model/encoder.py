"""The recurrent encoder: embeddings, a (bidirectional) LSTM/GRU over packed input."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from s2s_hub.model.config import Seq2SeqConfig

RNN_CLASSES: dict[str, type[nn.RNNBase]] = {"lstm": nn.LSTM, "gru": nn.GRU}


class Encoder(nn.Module):
    """Reads the source once; packing keeps padding out of the recurrence."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(
            config.src_vocab_size, config.emb_size, padding_idx=config.pad_id
        )
        self.dropout = nn.Dropout(config.dropout)
        self.rnn = RNN_CLASSES[config.cell](
            config.emb_size,
            config.hidden_size,
            num_layers=config.encoder_layers,
            batch_first=True,
            bidirectional=config.bidirectional,
            dropout=config.dropout if config.encoder_layers > 1 else 0.0,
        )

    def forward(self, src: Tensor, src_lengths: Tensor) -> tuple[Tensor, Tensor]:
        """Encode a padded batch.

        Args:
            src: token ids, shape (batch, src_len).
            src_lengths: real lengths, shape (batch,).

        Returns:
            memory: outputs at every position, shape (batch, src_len, out_size),
                zeros at padding.
            final: top layer's last state of each direction, concatenated,
                shape (batch, out_size).
        """
        embedded = self.dropout(self.embed(src))  # batch x src_len x emb
        packed = pack_padded_sequence(
            embedded, src_lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs, hidden = self.rnn(packed)
        memory, _ = pad_packed_sequence(
            outputs, batch_first=True, total_length=src.size(1)
        )
        h_n = hidden[0] if isinstance(hidden, tuple) else hidden  # layers*dirs x B x H
        directions = 2 if self.rnn.bidirectional else 1
        final = torch.cat(list(h_n[-directions:]), dim=-1)  # batch x out_size
        return memory, final
