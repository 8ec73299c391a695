"""Run Joey NMT 2.3.0 with today's packages, leaving its installed files untouched.

    bench/.joey-venv/bin/python bench/joey/launch.py train|test|translate CONFIG [...]

takes Joey's own command line (``python -m joeynmt ...``); the workarounds are applied
in this process before Joey's ``__main__`` runs:

- sentencepiece 0.2.3 has no ``SentencePieceProcessor.SetVocabulary``, which Joey's
  ``SentencePieceTokenizer.set_vocab`` calls to restrict segmentation to the
  vocabulary. When the vocabulary holds every piece of the model (``compare.py``
  exports it so), the restriction changes nothing, so the call becomes a check
  that this holds, and otherwise does nothing.
- Joey asserts that every detokenized hypothesis is non-empty, so one hypothesis
  of a lone "▁" piece (it detokenizes to "") would end a whole test decoding with
  an ``AssertionError``. Such a hypothesis becomes the empty string, as in s2s-hub.
- Joey's ``plateau`` schedule breaks on torch 2.13 and it wants some schedule: the
  generated config (``recipe.py``) asks for ``exponential`` with
  ``decrease_factor: 1.0``, a constant rate. No code change is needed for that.

This module runs in Joey's virtual environment: it imports no s2s-hub code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

import sentencepiece


def _set_vocabulary(
    processor: sentencepiece.SentencePieceProcessor, pieces: Iterable[str]
) -> None:
    """Joey's ``SetVocabulary`` call, exact when ``pieces`` covers the model."""
    known = set(pieces)
    missing = [
        processor.id_to_piece(i)
        for i in range(processor.get_piece_size())
        if not (processor.is_control(i) or processor.is_unused(i))
        and processor.id_to_piece(i) not in known
    ]
    if missing:
        raise RuntimeError(
            f"Joey's vocabulary lacks {len(missing)} SentencePiece pieces (e.g. "
            f"{missing[:3]}): the SetVocabulary shim is exact only for a vocabulary "
            "file of all the model's pieces"
        )


def _allow_empty_output(post_process: Callable[..., str]) -> Callable[..., str]:
    def patched(self: Any, sequence: Any, *args: Any, **kwargs: Any) -> str:
        try:
            return post_process(self, sequence, *args, **kwargs)
        except AssertionError:
            return ""  # the only assertion in there: an empty detokenized text

    return patched


def apply_workarounds() -> None:
    """Patch what Joey NMT 2.3.0 needs, in this process only."""
    from joeynmt.tokenizers import SentencePieceTokenizer

    processor = sentencepiece.SentencePieceProcessor
    if not hasattr(processor, "SetVocabulary"):
        processor.SetVocabulary = _set_vocabulary
    tokenizer = SentencePieceTokenizer
    if not getattr(tokenizer.post_process, "allows_empty_output", False):
        tokenizer.post_process = _allow_empty_output(tokenizer.post_process)
        tokenizer.post_process.allows_empty_output = True


def main() -> None:
    apply_workarounds()
    from joeynmt.__main__ import main as joey_main

    sys.argv = ["joeynmt", *sys.argv[1:]]
    joey_main()


if __name__ == "__main__":
    main()
