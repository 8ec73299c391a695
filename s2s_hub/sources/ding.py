"""Example sentences of the Ding German-English dictionary (Debian ``trans-de-en``).

Each dictionary line reads ``de | de-example ... :: en | en-example ...``: the two
sides have the same number of ``|``-separated parts, and the parts after the
headword are usage examples, many of them whole sentences. Those sentences are a
general-language complement to the software domain of DDTP. The other parts are
phrases ("high-pressure vessel" / "Hochdruckbehälter"): the compounds that software
synopses are made of. Ding is GPL-2+.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from s2s_hub.sources.apt import default_cache_dir, download_package

PACKAGE = "trans-de-en"
DICTIONARY = Path("usr/share/trans/de-en")
MIN_WORDS = 4
SENTENCE_END = (".", "?", "!")
PHRASE_WORDS = (2, 12)
# Placeholders (sb., etw.), alternatives (a/b), glosses (...) and ellipses are
# dictionary notation, not text a translation would contain.
NOTATION = re.compile(r"[/()…]|\.\.\.|\b(sb|sth|jd[mns]?|etw)\b")
# Register, region and grammar labels such as [ugs.], {n} or <Abk.>.
ANNOTATION = re.compile(r"\s*(\[[^\]]*\]|\{[^}]*\}|<[^>]*>)")


def is_reserved(english: str) -> bool:
    """Whether a pair belongs to the project's held-out general-domain check.

    Pairs whose English sentence has a SHA-1 hex digest starting with ``f`` are kept
    out of every split we build, so that no model is trained, tuned or selected on
    them (see the project's DATA notes).
    """
    return hashlib.sha1(english.encode("utf-8")).hexdigest().startswith("f")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", ANNOTATION.sub("", text)).strip()


def _sentence(part: str) -> str:
    # Alternatives are separated by "; "; the first is the main phrasing.
    return _clean(part.split("; ")[0])


def _touches_reserved(english_part: str) -> bool:
    # The held-out check may hash the raw part, any alternative, or a cleaned form:
    # a pair is excluded if any of these falls in the reserved bucket.
    alternatives = english_part.split("; ")
    forms = {english_part.strip(), *map(str.strip, alternatives)}
    forms.update(map(_clean, alternatives))
    return any(map(is_reserved, forms))


def _is_sentence(text: str, min_words: int) -> bool:
    return len(text.split()) >= min_words and text.endswith(SENTENCE_END)


def _parts(lines: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """``(index, de_part, en_part)`` of every part of the well-formed dictionary
    lines (index 0 is the headword), with parts in the reserved bucket left out:
    no reader of this module can yield a reserved pair."""
    for line in lines:
        if line.startswith("#") or " :: " not in line:
            continue
        german, english = line.rstrip("\n").split(" :: ", 1)
        german_parts, english_parts = german.split(" | "), english.split(" | ")
        if len(german_parts) != len(english_parts):
            continue
        for index, (de_part, en_part) in enumerate(
            zip(german_parts, english_parts, strict=True)
        ):
            if not _touches_reserved(en_part):
                yield index, de_part, en_part


def parse_dictionary(
    lines: Iterable[str], min_words: int = MIN_WORDS
) -> Iterator[dict[str, str]]:
    """``{"en", "de"}`` example sentence pairs of Ding dictionary lines.

    The reserved SHA-1 ``f`` bucket is dropped inside the reader (``_parts``), so
    that no caller can forget to.
    """
    for index, de_part, en_part in _parts(lines):
        de, en = _sentence(de_part), _sentence(en_part)
        if index and _is_sentence(en, min_words) and de.endswith(SENTENCE_END):
            yield {"en": en, "de": de}


def parse_phrases(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """``{"en", "de"}`` phrase pairs of Ding dictionary lines: every part, headword
    or example, of 2 to 12 English words that is not an example sentence and holds no
    dictionary notation; the reserved bucket is dropped as in ``parse_dictionary``."""
    low, high = PHRASE_WORDS
    for _, de_part, en_part in _parts(lines):
        de, en = _sentence(de_part), _sentence(en_part)
        if not de or not low <= len(en.split()) <= high:
            continue
        if not (_is_sentence(en, MIN_WORDS) or NOTATION.search(de + " " + en)):
            yield {"en": en, "de": de}


def read_example_sentences(cache_dir: Path | None = None) -> Iterator[dict[str, str]]:
    """Example sentence pairs of the ``trans-de-en`` package, downloaded once."""
    unpacked = download_package(cache_dir or default_cache_dir(), PACKAGE)
    with open(unpacked / DICTIONARY, encoding="utf-8") as handle:
        yield from parse_dictionary(handle)


def read_phrases(cache_dir: Path | None = None) -> Iterator[dict[str, str]]:
    """Phrase pairs of the ``trans-de-en`` package, downloaded once."""
    unpacked = download_package(cache_dir or default_cache_dir(), PACKAGE)
    with open(unpacked / DICTIONARY, encoding="utf-8") as handle:
        yield from parse_phrases(handle)


def license_text(cache_dir: Path | None = None) -> str:
    """The package's copyright file, shipped next to data built from it."""
    unpacked = download_package(cache_dir or default_cache_dir(), PACKAGE)
    return (unpacked / "usr/share/doc" / PACKAGE / "copyright").read_text("utf-8")
