"""ChatterBot's conversation corpus (PyPI ``chatterbot-corpus``, BSD-3-Clause).

``chatterbot_corpus/data/<language>/<category>.yml`` holds ``conversations:``, lists
of turns. Persona and trivia exchanges in 28 languages: too small to train on, but
real, short prompts for the dialogue demo and a multilingual sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml


def corpus_dir() -> Path:
    """``data/`` of the installed ``chatterbot_corpus`` package."""
    try:
        import chatterbot_corpus
    except ImportError as error:
        raise ImportError(
            "the chatterbot examples need `pip install chatterbot-corpus`"
        ) from error
    return Path(chatterbot_corpus.__file__).parent / "data"


def read_conversations(
    languages: tuple[str, ...] | None = None, root: Path | None = None
) -> Iterator[dict[str, str]]:
    """``{"source", "target", "language", "category"}`` of consecutive turns.

    ``languages`` are folder names such as ``"english"``; ``None`` reads all of them.
    Files are read in sorted order, so the records come in a stable order.
    """
    root = root or corpus_dir()
    for path in sorted(root.glob("*/*.yml")):
        language = path.parent.name
        if languages is not None and language not in languages:
            continue
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
        for turns in document.get("conversations") or []:
            texts = [str(turn).strip() for turn in turns]
            for source, target in zip(texts, texts[1:], strict=False):
                if source and target:
                    yield {
                        "source": source,
                        "target": target,
                        "language": language,
                        "category": path.stem,
                    }
