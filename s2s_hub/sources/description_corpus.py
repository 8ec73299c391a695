"""The description corpus of a language pair with English: DDTP's package
descriptions (and, for English-German, Ding's example sentences and phrases) in,
split files, test parts, license notes and ``DATA.md`` out.

``prepare`` writes what ``s2s-hub data prepare translation`` ships for the pair;
the software-message corpus beside it is ``message_corpus``'s.
"""

from __future__ import annotations

from pathlib import Path

from s2s_hub import languages
from s2s_hub.sources import ddtp, ding
from s2s_hub.sources.card import composition, write_card
from s2s_hub.sources.splitting import (
    package_family,
    split_records,
    stable_hash,
    write_splits,
    write_tsv_gz,
)

GPL_2 = Path("/usr/share/common-licenses/GPL-2")
# The test split's parts by origin, each also written alone for evaluate --data_dir
TEST_PARTS = {"DDTP": "descriptions", "Ding": "sentences"}
# Debian's locale of a language where the code alone is ambiguous: its DDTP index
# and message catalogs are zh_CN (Simplified Chinese)
DEBIAN_LOCALES = {"de": "de", "zh": "zh_CN"}
# Ding phrase pairs (English, German), beside the en-de splits
PHRASES_FILE = "phrases.tsv.gz"

CARD = """
# Translation data: {pair}

English-{language} pairs for `s2s-hub`'s `translation` task, built by
`s2s-hub data prepare translation` (task options `{options}`).

## Sources and licenses

- **DDTP**: descriptions of the packages in Debian main (`{release}`) and their
  translations by the Debian Description Translation Project, read from apt's
  `Translation-en` and `Translation-xx` indexes. Credit: Debian / DDTP. The packages
  are DFSG-free; the descriptions carry no single license.
- **Ding** (English-German only): example sentences of the Ding dictionary by Frank
  Richter (Debian package `trans-de-en`), **GPL-2+**; see `LICENSE-Ding.txt`. These
  data files keep that license; the project's code is Apache-2.0.

Composition (pairs by source):

{composition}

## Splits

{statistics}

Word counts are whitespace tokens. DDTP pairs are synopsis pairs and paragraph pairs
of descriptions joined by `Description-md5` (paragraphs only where both sides have the
same number); untranslated (identical) pairs are dropped. Ding pairs are example
sentences of at least 4 English words ending in `.`, `?` or `!`. Ding pairs whose
English sentence has a SHA-1 digest starting with `f` are reserved for the project's
held-out check; so that the files alone show that none slipped in, English-German
drops that bucket from DDTP too: no English text here hashes to `f...`.

`phrases.tsv.gz` (English-German only) holds the Ding dictionary's phrase pairs
(headwords and examples of 2 to 12 English words that are not sentences and carry no
dictionary notation such as `sb.` or `a/b`), in the order of their SHA-1, without
the reserved bucket and without any text of dev or test. Training adds the first
N of them with the task option `dictionary_phrases=N` (default 0).

Exact duplicates are removed; records are grouped by package family (`libfoo2-dev`,
`foo-doc` -> `foo`) or, for Ding, by English sentence, and groups go to test, dev or
train in the order of their key's SHA-1, so reruns give the same files. No English or
{language} text appears in two splits: train loses pairs that share a side with dev or
test. Files are gzipped with a zero timestamp, so a rebuild is byte-identical while
Debian's indexes are unchanged (they change with stable point releases).
"""


def prepare(source_lang: str, target_lang: str, out_dir: Path) -> dict[str, int]:
    """Write the pair's ``{train,dev,test}.tsv.gz``, its test parts, for
    English-German the phrases and Ding's license, and ``DATA.md``; returns the
    pairs per split. One of the two languages is English."""
    other = target_lang if source_lang == "en" else source_lang
    records = pair_records(source_lang, target_lang)
    # 1,000 pairs each, or a tenth of a small pair's (DDTP zh_CN has 2,700)
    held_out = min(1000, len(records) // 10)
    splits = split_records(
        records,
        group_of=lambda r: r["group"],
        dev_size=held_out,
        test_size=held_out,
        fenced=("source", "target"),
    )
    counts = write_splits(splits, out_dir)
    options = f"source_lang={source_lang}, target_lang={target_lang}"
    write_test_parts(splits["test"], Path(out_dir), options)
    if other == "de":
        write_tsv_gz(phrase_records(splits), Path(out_dir) / PHRASES_FILE)
        notice = ding.license_text()
        if GPL_2.exists():
            notice += "\n\n" + GPL_2.read_text("utf-8")
        (Path(out_dir) / "LICENSE-Ding.txt").write_text(notice, "utf-8")
    write_card(
        out_dir,
        CARD,
        pair=f"{source_lang}-{target_lang}",
        release=ddtp.debian_release(),
        language=languages.language_name(other),
        options=options,
        composition=composition(splits, "origin"),
    )
    return counts


def pair_records(source_lang: str, target_lang: str) -> list[dict[str, str]]:
    """Every pair of the sources, with its origin and the group that keeps it on
    one side of the splits (a package family, or Ding's English sentence)."""
    other = target_lang if source_lang == "en" else source_lang
    rows = [
        {**row, "origin": "DDTP", "group": "ddtp:" + package_family(row["package"])}
        for row in ddtp.read_translation_pairs(DEBIAN_LOCALES.get(other, other))
    ]
    if other == "de":
        rows += [
            {"en": row["en"], "xx": row["de"], "origin": "Ding", "group": row["en"]}
            for row in ding.read_example_sentences()
        ]
        # Ding's reader drops the reserved bucket; dropping it from DDTP too lets
        # the shipped files alone show that no reserved sentence is in them.
        rows = [row for row in rows if not ding.is_reserved(row["en"])]
    source, target = ("en", "xx") if source_lang == "en" else ("xx", "en")
    return [{**row, "source": row[source], "target": row[target]} for row in rows]


def write_test_parts(test: list[dict[str, str]], out_dir: Path, options: str) -> None:
    """Each source's rows of the test split as a folder of its own
    (``parts/descriptions``, ``parts/sentences``), so that ``evaluate
    --data_dir`` scores it alone, beside the pair's ``messages/`` test.

    Args:
        options: the task options of the pair, named in each part's ``DATA.md``
            (from which a task reads the pair back).
    """
    for origin, part in TEST_PARTS.items():
        rows = [row for row in test if row["origin"] == origin]
        if not rows:
            continue
        folder = out_dir / "parts" / part
        write_tsv_gz(rows, folder / "test.tsv.gz")
        (folder / "DATA.md").write_text(
            f"# Test part: {part} ({origin}), {len(rows):,} pairs\n\n"
            f"The {origin} rows of `../../test.tsv.gz` (task options "
            f"`{options}`); see `../../DATA.md`.\n",
            "utf-8",
        )


def phrase_records(splits: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    """Ding's phrase pairs as (English, German) records, in the order of their hash
    (so any first N are a fixed sample), without duplicates and without a phrase
    that is, on either side, a text of the dev or test split."""
    held_out = {
        row[side]
        for split in ("dev", "test")
        for row in splits[split]
        for side in ("en", "xx")
    }
    unique = {
        (row["en"], row["de"])
        for row in ding.read_phrases()
        if row["en"] not in held_out and row["de"] not in held_out
    }
    ordered = sorted(unique, key=lambda pair: stable_hash("\t".join(pair)))
    return [{"source": en, "target": de} for en, de in ordered]
