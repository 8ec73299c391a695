"""The one dataclass that describes a model; validated once, where it is built."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

ARCHS = ("rnn", "transformer")
CELLS = ("lstm", "gru")
GLOBAL_ATTENTIONS = ("bahdanau", "dot", "general", "concat")
LOCAL_ATTENTIONS = ("local-m", "local-p")
ATTENTIONS = GLOBAL_ATTENTIONS + LOCAL_ATTENTIONS


@dataclass
class Seq2SeqConfig:
    """Architecture of an attentional encoder-decoder: an RNN or a Transformer.

    ``attention`` picks both the score function and the decoder wiring: ``bahdanau``
    queries with the previous decoder state before the RNN step (Bahdanau et al.,
    2015); the Luong variants query with the current state after it (Luong et al.,
    2015).

    A Transformer (``arch="transformer"``, Vaswani et al., 2017, pre-norm) is
    ``hidden_size`` wide throughout, embeddings included (``emb_size`` is the
    RNN's), with ``heads`` attention heads and ``ff_size`` wide feed-forward
    blocks in each of its ``encoder_layers`` and ``decoder_layers``; ``cell``,
    ``bidirectional``, ``attention``, ``local_window`` and ``input_feeding`` are the
    RNN's and do not apply to it.

    Attributes:
        src_vocab_size: Source vocabulary size (set from the tokenizer).
        tgt_vocab_size: Target vocabulary size (set from the tokenizer).
        emb_size: Size of the token embeddings.
        hidden_size: Size of each encoder direction and of the decoder (as in Joey
            NMT: a bidirectional encoder gives 2 * hidden_size outputs).
        encoder_layers: Number of stacked encoder RNN layers.
        decoder_layers: Number of stacked decoder RNN layers.
        cell: Recurrent cell, lstm or gru.
        bidirectional: Read the source in both directions.
        attention: bahdanau, dot, general, concat, local-m or local-p.
        local_window: Luong's D: local attention sees [p_t - D, p_t + D].
        input_feeding: Feed the previous attentional vector into the decoder RNN.
        dropout: Dropout on embeddings, between RNN layers and on attentional
            vectors; a Transformer's on embeddings, attention weights, residual
            branches and inside feed-forward blocks.
        tie_embeddings: Share the decoder's input embeddings with the output layer
            (a Transformer's encoder embeddings too, when the vocabularies are
            one).
        copy: Pointer-generator (See et al., 2017): mix the output distribution with
            the attention over the source's tokens (``model.copy``); needs one
            vocabulary for both sides.
        pad_id: Padding token id.
        bos_id: Begin-of-sequence token id.
        eos_id: End-of-sequence token id.
        arch: rnn (the attentional RNN) or transformer.
        heads: Attention heads of each Transformer layer (they split hidden_size).
        ff_size: Width of each Transformer layer's feed-forward block.
    """

    src_vocab_size: int
    tgt_vocab_size: int
    emb_size: int = 256
    hidden_size: int = 256
    encoder_layers: int = 2
    decoder_layers: int = 2
    cell: str = "lstm"
    bidirectional: bool = True
    attention: str = "bahdanau"
    local_window: int = 10
    input_feeding: bool = True
    dropout: float = 0.2
    tie_embeddings: bool = False
    copy: bool = False
    pad_id: int = 0
    bos_id: int = 2
    eos_id: int = 3
    # appended, so that positional arguments keep their meaning
    arch: str = "rnn"
    heads: int = 4
    ff_size: int = 1024

    def __post_init__(self) -> None:
        problems = [p for p in self._problems() if p]
        if problems:
            raise ValueError("invalid model config: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        sizes = ("src_vocab_size", "tgt_vocab_size", "emb_size", "hidden_size")
        layers = ("encoder_layers", "decoder_layers", "local_window")
        heads = ("heads", "ff_size")
        names = sizes + layers + heads
        rnn, transformer = self.arch == "rnn", self.arch == "transformer"
        return [
            *(f"{n} must be a positive int" for n in names if _bad(self, n)),
            _choice("arch", self.arch, ARCHS),
            _choice("cell", self.cell, CELLS),
            _choice("attention", self.attention, ATTENTIONS),
            ""
            if 0 <= self.dropout < 1
            else f"dropout must be in [0, 1), got {self.dropout}",
            "tie_embeddings needs emb_size == hidden_size "
            f"(got {self.emb_size} and {self.hidden_size})"
            if rnn and self.tie_embeddings and self.emb_size != self.hidden_size
            else "",
            "dot attention needs encoder outputs of the decoder's size: use "
            "bidirectional=False or attention='general'"
            if rnn and self.attention == "dot" and self.bidirectional
            else "",
            f"hidden_size {self.hidden_size} must split into {self.heads} heads"
            if transformer
            and not (_bad(self, "heads") or _bad(self, "hidden_size"))
            and self.hidden_size % self.heads
            else "",
            "a Transformer's hidden_size must be even (sine and cosine pairs), "
            f"got {self.hidden_size}"
            if transformer and not _bad(self, "hidden_size") and self.hidden_size % 2
            else "",
            "copy needs one vocabulary for both sides (src_vocab_size == "
            f"tgt_vocab_size, got {self.src_vocab_size} and {self.tgt_vocab_size})"
            if self.copy and self.src_vocab_size != self.tgt_vocab_size
            else "",
            "pad_id, bos_id and eos_id must differ"
            if len({self.pad_id, self.bos_id, self.eos_id}) < 3
            else "",
        ]

    @property
    def encoder_output_size(self) -> int:
        if self.arch == "transformer":
            return self.hidden_size
        return self.hidden_size * (2 if self.bidirectional else 1)

    @property
    def variant(self) -> str:
        """What sets this model apart from its task's others, in a word: the
        Transformer, or the RNN's attention (the demo's Compare tab)."""
        return "transformer" if self.arch == "transformer" else self.attention

    @property
    def is_local(self) -> bool:
        return self.attention in LOCAL_ATTENTIONS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Seq2SeqConfig:
        """Build from a dict, naming unknown keys instead of a bare TypeError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown model config keys {unknown}; known: {sorted(known)}"
            )
        return cls(**values)


def _bad(config: Seq2SeqConfig, name: str) -> bool:
    value = getattr(config, name)
    return isinstance(value, bool) or not isinstance(value, int) or value < 1


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    return "" if value in allowed else f"{name} must be one of {allowed}, got {value!r}"


class ConfigTokenIds:
    """``pad_id``, ``bos_id`` and ``eos_id`` (what searches ask a model for, see
    ``s2s_hub.search.Decodable``) of a model that holds its ``Seq2SeqConfig`` as
    ``config``: the torch model and its ONNX Runtime twin."""

    config: Seq2SeqConfig

    @property
    def pad_id(self) -> int:
        return self.config.pad_id

    @property
    def bos_id(self) -> int:
        return self.config.bos_id

    @property
    def eos_id(self) -> int:
        return self.config.eos_id
