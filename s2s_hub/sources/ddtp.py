"""Debian package descriptions and their DDTP translations.

Debian's ``Translation-xx`` indexes hold one stanza per description: ``Package``,
``Description-md5`` (the checksum of the English original, the same in every
language) and ``Description-xx``, whose first line is the synopsis and whose
continuation lines (starting with a space) form the long description, paragraphs
separated by a line `` .``. Translations are joined to English by the checksum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from s2s_hub.sources.apt import (
    LANGUAGES,
    cat_index,
    default_cache_dir,
    main_translation_file,
    suite,
    update_lists,
)

MIN_DOCUMENT_WORDS = 20


class Description(NamedTuple):
    """One stanza of a Translation index."""

    package: str
    md5: str
    synopsis: str
    paragraphs: tuple[str, ...]


def fetch_translations(
    cache_dir: Path | None = None, languages: tuple[str, ...] = LANGUAGES
) -> dict[str, Path]:
    """Plain-text ``Translation-xx`` files in ``cache_dir``, downloaded once."""
    cache_dir = cache_dir or default_cache_dir()
    files = {lang: cache_dir / "ddtp" / f"Translation-{lang}" for lang in languages}
    missing = [lang for lang, path in files.items() if not path.exists()]
    if missing:
        lists_dir = update_lists(cache_dir, languages)
        (cache_dir / "ddtp").mkdir(parents=True, exist_ok=True)
        for lang in missing:
            cat_index(main_translation_file(lists_dir, lang), files[lang])
    return files


def debian_release(cache_dir: Path | None = None) -> str:
    """The Debian release (``bookworm``) whose indexes the cache holds."""
    lists_dir = update_lists(cache_dir or default_cache_dir())
    return suite(main_translation_file(lists_dir, "en"))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _stanza(lines: list[str]) -> Description | None:
    fields: dict[str, str] = {}
    body: list[str] = []
    for line in lines:
        if line.startswith(" "):
            body.append(line[1:])
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    # The text field is Description-<lang>; Description-md5 only shares its prefix.
    texts = {k: v for k, v in fields.items() if k.startswith("Description-")}
    texts.pop("Description-md5", None)
    synopsis = next(iter(texts.values()), "")
    if not (fields.get("Package") and fields.get("Description-md5") and synopsis):
        return None
    paragraphs = re.split(r"(?m)^\.$", "\n".join(body))
    return Description(
        package=fields["Package"],
        md5=fields["Description-md5"],
        synopsis=_clean(synopsis),
        paragraphs=tuple(p for p in map(_clean, paragraphs) if p),
    )


def parse_translation(lines: Iterable[str]) -> Iterator[Description]:
    """Descriptions of a Translation index, stanza by stanza (blank-line separated)."""
    stanza: list[str] = []
    for line in lines:
        line = line.rstrip("\n")
        if line.strip():
            stanza.append(line)
            continue
        if stanza and (description := _stanza(stanza)):
            yield description
        stanza = []
    if stanza and (description := _stanza(stanza)):
        yield description


def _read(path: Path) -> Iterator[Description]:
    with open(path, encoding="utf-8") as handle:
        yield from parse_translation(handle)


def aligned_pairs(
    english: Iterable[Description], foreign: Iterable[Description]
) -> Iterator[dict[str, str]]:
    """English/foreign text pairs of descriptions that share a ``Description-md5``.

    Synopses always pair; long descriptions pair paragraph by paragraph only where
    both have the same number of paragraphs, since translators sometimes merge or
    split them. Pairs left untranslated (identical text) are dropped.
    """
    originals = {d.md5: d for d in english}
    for translated in foreign:
        original = originals.get(translated.md5)
        if original is None:
            continue
        texts = [(original.synopsis, translated.synopsis)]
        if len(original.paragraphs) == len(translated.paragraphs):
            texts += zip(original.paragraphs, translated.paragraphs, strict=True)
        for en, xx in texts:
            if en != xx:
                yield {"en": en, "xx": xx, "package": translated.package}


def summary_pairs(
    english: Iterable[Description], min_words: int = MIN_DOCUMENT_WORDS
) -> Iterator[dict[str, str]]:
    """Long description -> synopsis of English descriptions with enough text."""
    for description in english:
        document = " ".join(description.paragraphs)
        if len(document.split()) >= min_words:
            yield {
                "source": document,
                "target": description.synopsis,
                "package": description.package,
            }


def read_translation_pairs(
    language: str, cache_dir: Path | None = None
) -> Iterator[dict[str, str]]:
    """``{"en", "xx", "package"}`` records of English and ``language`` descriptions."""
    files = fetch_translations(cache_dir, ("en", language))
    return aligned_pairs(_read(files["en"]), _read(files[language]))


def read_summaries(cache_dir: Path | None = None) -> Iterator[dict[str, str]]:
    """``{"source", "target", "package"}`` records: long description -> synopsis."""
    files = fetch_translations(cache_dir, ("en",))
    return summary_pairs(_read(files["en"]))
