"""The attentional encoder-decoder: an RNN or a Transformer."""

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
