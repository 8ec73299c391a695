"""Subword tokenization: a thin wrapper around one SentencePiece model.

Every model of s2s-hub shares the same special ids (``PAD_ID`` .. ``EOS_ID``), so that
embedding padding, decoder start and stop never depend on which tokenizer was trained.
Models are trained in memory and kept as their serialized proto, which is what gets
saved to a ``.model`` file or embedded in a checkpoint.

Text is normalized with SentencePiece's default ``nmt_nfkc`` rule, so
``decode(encode(text)) == text`` holds for NFKC-normal text with single spaces and no
leading or trailing space. Byte fallback is on by default: a character never seen in
training (an emoji typed into the demo, say) is encoded as its UTF-8 bytes instead of
``<unk>`` and still decodes to itself. It costs 256 vocabulary entries, so it needs
``vocab_size`` of roughly 300 or more; turn it off for toy vocabularies.
"""

from __future__ import annotations

import io
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import sentencepiece as spm
from sentencepiece import sentencepiece_pb2

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
MODEL_TYPES = ("unigram", "bpe")
MIN_VOCAB_SIZE = 8
# A fixed thread count keeps training deterministic across machines, because the
# unigram trainer sums float statistics per thread.
NUM_THREADS = 2
#: batches of fewer texts are encoded one by one (``Tokenizer.encode_batch``): at
#: 64 test sources both ways took 0.4 ms, at 1,000 the pool twice as fast
POOLED_TEXTS = 64


class Tokenizer:
    """Encodes text to subword ids and back with a SentencePiece model.

    Args:
        processor: a loaded SentencePiece model whose special ids are the fixed ones.
    """

    def __init__(self, processor: spm.SentencePieceProcessor) -> None:
        self._sp = processor

    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        vocab_size: int,
        model_type: str = "unigram",
        character_coverage: float = 1.0,
        max_sentences: int | None = 1_000_000,
        seed: int = 1234,
        user_defined_symbols: Sequence[str] = (),
        byte_fallback: bool = True,
    ) -> Tokenizer:
        """Trains a model in memory on ``texts``.

        Args:
            texts: training sentences; blank ones are skipped.
            vocab_size: target vocabulary size, a soft limit so tiny corpora work.
            model_type: ``"unigram"`` or ``"bpe"``.
            character_coverage: share of characters kept; 1.0 suits small alphabets,
                0.9995 is the usual choice for CJK corpora.
            max_sentences: sample at most this many sentences; None uses them all.
            seed: seed of SentencePiece's (process-wide) random generator, which
                picks the sentence sample.
            user_defined_symbols: pieces never split, e.g. ``"<sep>"`` between turns.
            byte_fallback: encode unseen characters as bytes instead of ``<unk>``.

        Raises:
            ValueError: for a bad ``vocab_size`` or ``model_type``, no text, or a
                vocabulary too small for the characters (and bytes) to cover.
        """
        if vocab_size < MIN_VOCAB_SIZE:
            raise ValueError(
                f"vocab_size must be >= {MIN_VOCAB_SIZE}, got {vocab_size}"
            )
        if model_type not in MODEL_TYPES:
            raise ValueError(
                f"model_type must be one of {MODEL_TYPES}, got {model_type!r}"
            )
        sentences = (text for text in texts if text.strip())
        first = next(sentences, None)
        if first is None:
            raise ValueError("cannot train a tokenizer without any non-blank text")
        model = io.BytesIO()
        spm.set_random_generator_seed(seed)
        try:
            spm.SentencePieceTrainer.train(
                sentence_iterator=itertools.chain([first], sentences),
                model_writer=model,
                vocab_size=vocab_size,
                model_type=model_type,
                character_coverage=character_coverage,
                input_sentence_size=max_sentences or 0,
                shuffle_input_sentence=True,
                user_defined_symbols=list(user_defined_symbols),
                byte_fallback=byte_fallback,
                hard_vocab_limit=False,
                pad_id=PAD_ID,
                unk_id=UNK_ID,
                bos_id=BOS_ID,
                eos_id=EOS_ID,
                num_threads=NUM_THREADS,
                minloglevel=2,
            )
        except RuntimeError as error:
            raise ValueError(
                f"SentencePiece could not train a {model_type} model with "
                f"vocab_size={vocab_size}: {error}"
            ) from error
        return cls.from_bytes(model.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> Tokenizer:
        """Reads a ``.model`` file written by :meth:`save`.

        Raises:
            FileNotFoundError: if ``path`` does not exist.
            ValueError: if the file is not a SentencePiece model with our special ids.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no SentencePiece model file at {path}")
        return cls.from_bytes(path.read_bytes(), origin=str(path))

    @classmethod
    def from_bytes(cls, data: bytes, origin: str = "bytes") -> Tokenizer:
        """Builds a tokenizer from a serialized model proto.

        Args:
            data: the output of :meth:`to_bytes`.
            origin: where ``data`` came from, named in error messages.

        Raises:
            ValueError: if ``data`` is not a model proto with our special ids.
        """
        try:
            processor = spm.SentencePieceProcessor(model_proto=data)
        except RuntimeError as error:
            raise ValueError(f"{origin} is not a valid SentencePiece model") from error
        found = (
            processor.pad_id(),
            processor.unk_id(),
            processor.bos_id(),
            processor.eos_id(),
        )
        if found != (PAD_ID, UNK_ID, BOS_ID, EOS_ID):
            raise ValueError(
                f"{origin} has special ids pad/unk/bos/eos={found}; "
                f"s2s-hub needs {(PAD_ID, UNK_ID, BOS_ID, EOS_ID)}"
            )
        return cls(processor)

    def save(self, path: str | Path) -> None:
        """Writes the model proto to ``path`` (conventionally ``*.model``)."""
        Path(path).write_bytes(self.to_bytes())

    def to_bytes(self) -> bytes:
        """The serialized model proto, small enough to embed in a checkpoint."""
        return self._sp.serialized_model_proto()

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    @property
    def pad_id(self) -> int:
        return PAD_ID

    @property
    def unk_id(self) -> int:
        return UNK_ID

    @property
    def bos_id(self) -> int:
        return BOS_ID

    @property
    def eos_id(self) -> int:
        return EOS_ID

    def encode(self, text: str) -> list[int]:
        """Subword ids of ``text``, without BOS or EOS (the model adds those)."""
        return self._sp.encode(text)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Ids of many texts at once, encoded by SentencePiece's thread pool from
        ``POOLED_TEXTS`` on: it starts its threads at every call, which took 80 µs
        for one text that alone encodes in 4 (the demo's case)."""
        if len(texts) < POOLED_TEXTS:
            return [self.encode(text) for text in texts]
        return self._sp.encode(texts, num_threads=NUM_THREADS)

    def decode(
        self, ids: Sequence[int], fill: Callable[[int, int], str] | None = None
    ) -> str:
        """Text of ``ids``; PAD, BOS and EOS are control pieces and decode to nothing.

        Args:
            ids: token ids; a 1-D tensor of model output works as well.
            fill: the text for the pieces ``ids[start:end]`` that spell nothing
                (``<unk>``, bytes that are no UTF-8 or a control character),
                called once per run of them; without it they are left out.
        """
        ids = [int(i) for i in ids]
        text = self._sp.decode(ids)
        if not _may_hold_unspelled(text):
            return text
        surfaces = self._decoded_pieces(ids)
        spelled = [
            not self._spells_nothing(i, surface)
            for i, surface in zip(ids, surfaces, strict=True)
        ]
        parts = []
        for ok, run in itertools.groupby(range(len(ids)), key=spelled.__getitem__):
            positions = list(run)
            if ok:
                parts += [surfaces[k] for k in positions]
            elif fill is not None:
                parts.append(fill(positions[0], positions[-1] + 1))
        return " ".join("".join(parts).split())

    def surfaces(self, text: str) -> list[str]:
        """The text each piece of ``encode(text)`` stands for, as typed (a
        character made of byte pieces shows on its last one)."""
        proto = sentencepiece_pb2.SentencePieceText()
        proto.ParseFromString(self._sp.encode(text, out_type="serialized_proto"))
        return [piece.surface for piece in proto.pieces]

    def _decoded_pieces(self, ids: list[int]) -> list[str]:
        proto = sentencepiece_pb2.SentencePieceText()
        proto.ParseFromString(self._sp.decode(ids, out_type="serialized_proto"))
        return [piece.surface for piece in proto.pieces]

    def _spells_nothing(self, id_: int, surface: str) -> bool:
        if id_ == UNK_ID:
            return True
        return self._sp.is_byte(id_) and _may_hold_unspelled(surface)

    def pieces(self, ids: Sequence[int]) -> list[str]:
        """Readable pieces of ``ids`` (e.g. ``"▁Haus"``), used as heat-map labels."""
        return self._sp.id_to_piece([int(i) for i in ids])


def _may_hold_unspelled(text: str) -> bool:
    """Whether ``text`` holds U+FFFD, ``<unk>``'s U+2047 or a control character."""
    return any(
        char in "\ufffd\u2047" or unicodedata.category(char) == "Cc" for char in text
    )
