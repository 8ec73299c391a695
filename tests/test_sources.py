"""Readers of the raw sources, splitting and writing, on tiny inline fixtures."""

from __future__ import annotations

import gzip
import json
import random

import pytest

from s2s_hub.sources import apt, chatterbot, chitchat, ddtp, ding
from s2s_hub.sources.card import composition, statistics_table, write_card
from s2s_hub.sources.hf import read_hf_dataset
from s2s_hub.sources.splitting import (
    dedupe,
    package_family,
    split_records,
    stable_hash,
    write_splits,
    write_tsv_gz,
)

ENGLISH = """\
Package: foo
Description-md5: 11111111111111111111111111111111
Description-en: frobnicate files quickly
 Foo frobnicates files of any size in a single pass.
 .
 This package contains the command-line tool.

Package: libbar-dev
Description-md5: 22222222222222222222222222222222
Description-en: bar library
 Bar reads bars.
"""

GERMAN = """\
Package: foo
Description-md5: 11111111111111111111111111111111
Description-de: Dateien schnell frobnizieren
 Foo frobniziert Dateien jeder Größe
 in einem einzigen Durchgang.
 .
 Dieses Paket enthält das Befehlszeilenwerkzeug.

Package: libbar-dev
Description-md5: 22222222222222222222222222222222
Description-de: bar library
 Bar liest Stangen. Mehr nicht.
 .
 Zweiter Absatz.
"""

RESERVED = "The duck sleeps on the sofa."
DING = f"""\
# Version :: devel 2023-01-30
Katze {{f}} | Die Katze schläft auf dem Sofa. :: cat | The cat sleeps on the sofa.
Hund {{m}} | Der Hund schläft [ugs.] auf dem Sofa. :: dog | The dog sleeps on the sofa.
Ente {{f}} | Die Ente schläft auf dem Sofa. :: duck | {RESERVED}
Sofa {{n}} | ein Sofa kaufen :: sofa | to buy a sofa
"""


def test_ddtp_pairs_join_by_checksum_and_match_paragraphs():
    english = list(ddtp.parse_translation(ENGLISH.splitlines(keepends=True)))
    german = list(ddtp.parse_translation(GERMAN.splitlines(keepends=True)))
    assert english[0].paragraphs == (
        "Foo frobnicates files of any size in a single pass.",
        "This package contains the command-line tool.",
    )
    pairs = list(ddtp.aligned_pairs(english, german))
    assert [(p["en"], p["xx"]) for p in pairs] == [
        ("frobnicate files quickly", "Dateien schnell frobnizieren"),
        (
            "Foo frobnicates files of any size in a single pass.",
            "Foo frobniziert Dateien jeder Größe in einem einzigen Durchgang.",
        ),
        (
            "This package contains the command-line tool.",
            "Dieses Paket enthält das Befehlszeilenwerkzeug.",
        ),
    ]  # libbar-dev: untranslated synopsis, 1 vs 2 paragraphs
    assert {p["package"] for p in pairs} == {"foo"}


def test_ddtp_summaries_need_a_long_enough_document():
    english = list(ddtp.parse_translation(ENGLISH.splitlines(keepends=True)))
    summaries = list(ddtp.summary_pairs(english, min_words=10))
    assert summaries == [
        {
            "source": "Foo frobnicates files of any size in a single pass. "
            "This package contains the command-line tool.",
            "target": "frobnicate files quickly",
            "package": "foo",
        }
    ]


def test_ding_reads_example_sentences_and_never_the_reserved_bucket():
    assert ding.is_reserved(RESERVED)
    pairs = list(ding.parse_dictionary(DING.splitlines(keepends=True)))
    assert pairs == [
        {"en": "The cat sleeps on the sofa.", "de": "Die Katze schläft auf dem Sofa."},
        {"en": "The dog sleeps on the sofa.", "de": "Der Hund schläft auf dem Sofa."},
    ]


def test_ding_phrases_are_the_parts_that_are_neither_sentences_nor_notation():
    lines = [
        *DING.splitlines(keepends=True),
        "grünes Sofa :: green sofa\n",  # the reserved bucket
        "Schlafsofa {n} [ugs.]; Bettsofa {n} :: sofa bed; bed settee\n",
        "jdm. ein Sofa kaufen :: to buy sb. a sofa\n",
        "Sofa / Couch :: sofa/couch\n",
    ]
    assert ding.is_reserved("green sofa")
    assert list(ding.parse_phrases(lines)) == [
        {"en": "to buy a sofa", "de": "ein Sofa kaufen"},
        {"en": "sofa bed", "de": "Schlafsofa"},
    ]


def test_chitchat_context_window_and_filters(tmp_path):
    def turn(*texts):
        return [{"text": t, "timestamp": "", "sender": ""} for t in texts]

    conversations = {
        "c1": {
            "messages": [
                turn("hi", "there"),
                turn("hello"),
                turn("how are you?"),
                turn("fine, see www.example.com"),
            ]
        },
        "c2": {"messages": [turn("what the fuck"), turn("sorry"), turn("ok")]},
    }
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(conversations))
    rows = list(chitchat.read_exchanges(path, context_turns=2))
    assert [(r["source"], r["target"], r["conversation"]) for r in rows] == [
        ("hi there", "hello", "c1"),
        ("hi there <sep> hello", "how are you?", "c1"),
    ]  # c2's profanity spoils both of its two-turn windows
    rows = list(chitchat.read_exchanges(path, context_turns=1))
    assert [(r["source"], r["target"]) for r in rows][-1] == ("sorry", "ok")
    with pytest.raises(ValueError, match="context_turns"):
        list(chitchat.read_exchanges(path, context_turns=0))


def test_chatterbot_reads_consecutive_turns_by_language(tmp_path):
    (tmp_path / "english").mkdir()
    (tmp_path / "german").mkdir()
    (tmp_path / "english" / "greetings.yml").write_text(
        "conversations:\n- - Hello\n  - Hi\n  - How are you?\n"
    )
    (tmp_path / "german" / "greetings.yml").write_text(
        "conversations:\n- - Hallo\n  - Hi\n"
    )
    rows = list(chatterbot.read_conversations(("english",), root=tmp_path))
    assert [(r["source"], r["target"]) for r in rows] == [
        ("Hello", "Hi"),
        ("Hi", "How are you?"),
    ]
    assert {r["language"] for r in chatterbot.read_conversations(root=tmp_path)} == {
        "english",
        "german",
    }


@pytest.mark.parametrize(
    ("package", "family"),
    [
        ("libfoo2-dev", "foo"),
        ("foo-doc", "foo"),
        ("foo", "foo"),
        ("python3-foo", "foo"),
        ("golang-github-acme-foo-dev", "acme"),
        ("gcc-12-arm-linux-gnueabi", "gcc"),
    ],
)
def test_package_family(package, family):
    assert package_family(package) == family


def _records(n: int) -> list[dict[str, str]]:
    return [
        {
            "source": f"source {i % (n // 2)}",
            "target": f"target {i}",
            "group": f"g{i % 7}",
        }
        for i in range(n)
    ]


def test_split_is_deterministic_and_disjoint_by_source_and_group():
    records = _records(200)
    shuffled = records[:]
    random.Random(0).shuffle(shuffled)
    splits = split_records(records, lambda r: r["group"], dev_size=40, test_size=40)
    assert splits == split_records(
        shuffled, lambda r: r["group"], dev_size=40, test_size=40
    )
    assert all(splits.values())
    for field in ("source", "group"):
        seen = [{r[field] for r in split} for split in splits.values()]
        assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])


def test_split_fences_targets_and_sorts_by_hash():
    records = [
        {"source": f"s{i}", "target": "shared" if i % 2 else f"t{i}", "group": f"{i}"}
        for i in range(100)
    ]
    splits = split_records(
        records, lambda r: r["group"], 10, 10, fenced=("source", "target")
    )
    targets = [{r["target"] for r in split} for split in splits.values()]
    assert not (targets[0] & targets[1] or targets[0] & targets[2])
    keys = [stable_hash(r["source"] + "\t" + r["target"]) for r in splits["train"]]
    assert keys == sorted(keys)


def test_dedupe_keeps_one_of_each_pair():
    rows = [{"source": "a", "target": "b", "group": g} for g in ("2", "1")]
    assert dedupe(rows) == [{"source": "a", "target": "b", "group": "1"}]


def test_written_splits_are_byte_identical_and_one_line_per_pair(tmp_path):
    rows = [{"source": "a\tb\nc", "target": "d"}]
    write_tsv_gz(rows, tmp_path / "one.tsv.gz")
    write_tsv_gz(rows, tmp_path / "two.tsv.gz")
    first = (tmp_path / "one.tsv.gz").read_bytes()
    assert first == (tmp_path / "two.tsv.gz").read_bytes()
    assert gzip.decompress(first).decode() == "a b c\td\n"


def test_card_measures_the_written_files(tmp_path):
    splits = {
        name: [{"source": "one two three", "target": "four", "origin": "X"}]
        for name in ("train", "dev", "test")
    }
    write_splits(splits, tmp_path)
    assert "| test | 1 |" in statistics_table(tmp_path)
    assert composition(splits, "origin").splitlines()[0] == "- train: 1 X"
    card = write_card(tmp_path, "# {title}\n\n{statistics}", title="Card")
    assert card.read_text().startswith("# Card\n\n| split |")


def test_apt_picks_the_stable_suites_index(tmp_path):
    for name in (
        "deb.debian.org_debian_dists_bookworm_main_i18n_Translation-de.lz4",
        "deb.debian.org_debian_dists_bookworm-updates_main_i18n_Translation-de.lz4",
    ):
        (tmp_path / name).touch()
    index = apt.main_translation_file(tmp_path, "de")
    assert apt.suite(index) == "bookworm"
    with pytest.raises(FileNotFoundError):
        apt.main_translation_file(tmp_path, "fr")
    # apt writes the underscore of zh_CN escaped
    (tmp_path / "x_dists_bookworm_main_i18n_Translation-zh%5fCN.lz4").touch()
    assert apt.main_translation_file(tmp_path, "zh_CN").name.endswith("zh%5fCN.lz4")


@pytest.fixture
def jsonl_dataset(tmp_path):
    folder = tmp_path / "hf"
    folder.mkdir()
    for split, n in (("train", 3), ("dev", 2), ("test", 1)):
        rows = [
            {"translation": {"en": f"{split} {i}", "de": f"de {i}"}} for i in range(n)
        ]
        (folder / f"{split}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows)
        )
    return folder


def test_hf_reads_a_local_folder_and_a_saved_dataset(jsonl_dataset, tmp_path):
    datasets = pytest.importorskip("datasets")
    fields = {"source_field": "translation.en", "target_field": "translation.de"}
    rows = list(read_hf_dataset(str(jsonl_dataset), "dev", **fields))
    assert rows == [
        {"source": "dev 0", "target": "de 0"},
        {"source": "dev 1", "target": "de 1"},
    ]

    saved = tmp_path / "saved"
    datasets.load_dataset(str(jsonl_dataset)).save_to_disk(str(saved))
    assert len(list(read_hf_dataset(str(saved), "train", **fields))) == 3
    with pytest.raises(ValueError, match="no field"):
        list(read_hf_dataset(str(saved), "train", source_field="text"))
