"""The attentional encoder-decoder: an RNN or a Transformer.

The names below are imported on first use: reading ``Seq2SeqConfig`` (e.g. for
``--help``) does not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from s2s_hub.lazy import lazy_attributes

if TYPE_CHECKING:
    from s2s_hub.model.config import ATTENTIONS, CELLS, Seq2SeqConfig
    from s2s_hub.model.decoder import DecoderState
    from s2s_hub.model.seq2seq import Seq2Seq, Seq2SeqOutput
    from s2s_hub.model.transformer_state import TransformerState

__all__ = [
    "ATTENTIONS",
    "CELLS",
    "DecoderState",
    "Seq2Seq",
    "Seq2SeqConfig",
    "Seq2SeqOutput",
    "TransformerState",
]
__getattr__ = lazy_attributes(
    __name__,
    {
        "config": ["ATTENTIONS", "CELLS", "Seq2SeqConfig"],
        "decoder": ["DecoderState"],
        "seq2seq": ["Seq2Seq", "Seq2SeqOutput"],
        "transformer_state": ["TransformerState"],
    },
)
