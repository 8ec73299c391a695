"""The message corpus: choosing packages, unpacking their catalogs, the reserved
packages and domains, and the split by package. Packages are built here with
dpkg-deb; nothing is downloaded."""

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from s2s_hub.data.pairs import Pair
from s2s_hub.registry import get_task
from s2s_hub.sources import catalog_cache, message_corpus, messages
from s2s_hub.sources.description_corpus import write_test_parts
from s2s_hub.sources.licenses import copyright_licenses, license_texts
from s2s_hub.sources.message_corpus import build_corpus, message_group
from s2s_hub.sources.splitting import (
    group_bucket,
    split_by_group_hash,
    write_tsv_gz,
)

DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo

Files: *
Copyright: 2020 Someone
License: GPL-2+
 This program is free software.

Files: po/*
Copyright: 2021 Translators
License: LGPL-2.1+
"""


def mo_file(path: Path, pairs: dict[str, str]) -> None:
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    catalog.extend(polib.POEntry(msgid=k, msgstr=v) for k, v in pairs.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.save_as_mofile(str(path))


def test_reserved_packages_and_domains():
    for package in ("gnome-control-center-data", "nautilus-data", "evince-common"):
        assert messages.is_reserved(package)
    assert messages.is_reserved("rhythmbox-data")
    assert messages.is_reserved("nautilus-extension-foo", "nautilus")
    assert messages.is_reserved("other", "gnome-control-center-2.0-timezones")
    assert messages.is_reserved("other", "evince")
    assert not messages.is_reserved("nautilus-sendto", "nautilus-sendto")
    assert not messages.is_reserved("gnome-calculator", "gnome-calculator")


def test_contents_scan_lists_catalog_packages_without_the_reserved():
    lines = [
        "usr/share/locale/de/LC_MESSAGES/calc.mo     math/calc,math/calc-extra\n",
        "usr/share/locale/zh_CN/LC_MESSAGES/calc.mo  math/calc\n",
        "usr/share/locale/de_DE/LC_MESSAGES/edit.mo  editors/edit\n",
        "usr/share/locale/fr/LC_MESSAGES/edit.mo     editors/edit\n",
        "usr/share/locale/zh_TW/LC_MESSAGES/edit.mo  editors/edit\n",
        "usr/bin/calc                                math/calc\n",
        "usr/share/locale/de/LC_MESSAGES/nautilus.mo gnome/nautilus-data\n",
        "usr/share/locale/de/LC_MESSAGES/evince.mo   gnome/evince-plugins\n",
        "usr/share/locale/de/LC_MESSAGES/calc.mo     gnome/rhythmbox-data\n",
    ]
    found = messages.scan_contents(lines, ("de", "zh_CN"))
    assert sorted(found) == ["calc", "calc-extra", "edit"]
    assert found["calc"].catalogs == {
        "de": ["usr/share/locale/de/LC_MESSAGES/calc.mo"],
        "zh_CN": ["usr/share/locale/zh_CN/LC_MESSAGES/calc.mo"],
    }
    assert found["calc"].files == 3
    assert found["edit"].catalogs == {
        "de": ["usr/share/locale/de_DE/LC_MESSAGES/edit.mo"]
    }
    assert messages.scan_contents(lines, ("zh_CN",)).keys() == {"calc"}
    packages = [
        "Package: calc\n",
        "Source: calc-suite (1.0-1)\n",
        "Installed-Size: 300\n",
        "Size: 120000\n",
        "Description: a calculator\n",
        " with a long description\n",
        "\n",
        "Package: edit\n",
        "Installed-Size: 40\n",
        "Size: 9000\n",
    ]
    messages._add_package_fields(found, packages)
    assert (found["calc"].source, found["calc"].size) == ("calc-suite", 120000)
    assert (found["edit"].source, found["edit"].installed_size) == ("edit", 40)
    # richness: kB per file (300 / 3) times its two wanted catalogs
    assert found["calc"].richness == 200


def test_fetching_a_reserved_package_is_refused_before_any_download(tmp_path):
    with pytest.raises(ValueError, match="nautilus-data"):
        catalog_cache.fetch_batch(
            tmp_path, ["gnome-calculator", "nautilus-data"], ("de",)
        )
    assert not (tmp_path / "apt-contents").exists()


def build_deb(folder: Path, package: str, files: dict[str, bytes]) -> Path:
    root = folder / package
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 1.2-3\nArchitecture: all\nSource: demo\n"
        "Maintainer: Nobody <nobody@example.org>\nDescription: test package\n"
    )
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    deb = folder / f"{package}_1.2-3_all.deb"
    subprocess.run(
        ["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)],
        check=True,
        capture_output=True,
    )
    return deb


needs_dpkg = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="needs dpkg-deb")


@needs_dpkg
def test_unpacking_keeps_the_wanted_catalogs_and_the_copyright(tmp_path):
    mo_file(tmp_path / "c.mo", {"Quit": "Beenden"})
    catalog = (tmp_path / "c.mo").read_bytes()
    deb = build_deb(
        tmp_path,
        "demo-data",
        {
            "usr/share/locale/de/LC_MESSAGES/demo.mo": catalog,
            "usr/share/locale/zh_CN/LC_MESSAGES/demo.mo": catalog,
            "usr/share/locale/fr/LC_MESSAGES/demo.mo": catalog,
            "usr/share/locale/de/LC_MESSAGES/nautilus.mo": catalog,
            "usr/share/doc/demo-data/copyright": DEP5.encode(),
            "usr/bin/demo": b"binary",
        },
    )
    out = tmp_path / "out"
    meta = catalog_cache.unpack_catalogs(deb, out, ("de", "zh_CN"))
    assert meta["package"] == "demo-data" and meta["version"] == "1.2-3"
    assert meta["source"] == "demo" and meta["copyright"] == "demo-data"
    assert meta["catalogs"] == {"de": ["de/demo.mo"], "zh_CN": ["zh_CN/demo.mo"]}
    kept = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert kept == ["copyright", "de/de/demo.mo", "zh_CN/zh_CN/demo.mo"]


@needs_dpkg
def test_unpacking_a_reserved_package_is_refused(tmp_path):
    deb = build_deb(tmp_path, "evince-common", {"usr/share/x": b""})
    with pytest.raises(ValueError, match="evince-common"):
        catalog_cache.unpack_catalogs(deb, tmp_path / "out", ("de",))
    assert not (tmp_path / "out").exists()


def cached_package(
    cache: Path, package: str, pairs: dict[str, str], source: str = ""
) -> Path:
    folder = catalog_cache.catalogs_dir(cache) / package
    mo_file(folder / "de" / "de" / f"{package}.mo", pairs)
    meta = {
        "package": package,
        "version": "1.0-1",
        "source": source or package,
        "catalogs": {"de": [f"de/{package}.mo"]},
        "copyright": package,
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "copyright").write_text(DEP5)
    return folder


def test_reading_a_cached_reserved_package_or_domain_is_refused(tmp_path):
    folder = cached_package(tmp_path, "nautilus-data", {"Quit": "Beenden"})
    with pytest.raises(ValueError, match="reserved"):
        list(catalog_cache.read_package(folder, "de"))
    other = cached_package(tmp_path, "files", {"Quit": "Beenden"})
    meta = json.loads((other / "meta.json").read_text())
    meta["catalogs"]["de"].append("de/nautilus.mo")
    mo_file(other / "de" / "de" / "nautilus.mo", {"Open": "Öffnen"})
    (other / "meta.json").write_text(json.dumps(meta))
    pairs = [
        (r["source"], r["domain"]) for r in catalog_cache.read_package(other, "de")
    ]
    assert pairs == [("Quit", "files")]


def names_in(low: float, high: float, count: int) -> list[str]:
    """Package names whose split bucket lies in [low, high)."""
    names = (f"prog{i}x" for i in range(100_000))
    return [n for n in names if low <= group_bucket(n) < high][:count]


def test_split_by_package_keeps_each_package_in_one_split():
    test, dev, train = (
        names_in(0, 0.02, 2),
        names_in(0.02, 0.04, 2),
        names_in(0.5, 1, 6),
    )
    records = [
        {"source": f"{name} message {i}", "target": f"{name} Meldung {i}", "g": name}
        for name in test + dev + train
        for i in range(5)
    ]
    # a message a train package shares with a test package leaves train
    records.append({"source": f"{test[0]} message 0", "target": "x", "g": train[0]})
    splits = split_by_group_hash(records, lambda r: r["g"], held_out=0.02)
    groups = {name: {r["g"] for r in rows} for name, rows in splits.items()}
    assert groups == {"test": set(test), "dev": set(dev), "train": set(train)}
    assert len(splits["train"]) == 30
    # a package's split does not depend on which other packages exist
    fewer = [r for r in records if r["g"] not in (test[1], train[2], dev[0])]
    smaller = split_by_group_hash(fewer, lambda r: r["g"], held_out=0.02)
    assert {r["g"] for r in smaller["test"]} == {test[0]}
    assert {r["g"] for r in smaller["dev"]} == {dev[1]}
    # a group too large to hold out trains
    big = split_by_group_hash(records, lambda r: r["g"], 0.02, max_held_out_group=4)
    assert not big["test"] and not big["dev"]


def test_versions_of_one_program_are_one_group():
    assert message_group("gcc-12") == message_group("gcc-11") == "gcc"
    assert message_group("postgresql-15") == "postgresql"
    assert message_group("glib2.0") == "glib"
    assert message_group("webkit2gtk") == "webkit2gtk"


def test_licenses_are_read_from_copyright_files():
    assert copyright_licenses(DEP5) == ["GPL-2+", "LGPL-2.1+"]
    free = "Released under the GNU General Public License; see /usr/share/..."
    assert copyright_licenses(free) == ["GPL"]
    assert license_texts(["GPL-2+", "LGPL-2.1+", "GPL-3+ or Apache-2.0", "MIT"]) == [
        "Apache-2.0",
        "GPL-2",
        "GPL-3",
        "LGPL-2.1",
    ]


def test_the_corpus_is_written_with_its_card_packages_and_licenses(tmp_path):
    cache = tmp_path / "cache"
    # the release name comes from the cached Contents index's file name
    contents = cache / "apt-contents" / "x_dists_bookworm_main_Contents-all.lz4"
    contents.parent.mkdir(parents=True)
    contents.touch()
    names = names_in(0, 0.01, 1) + names_in(0.01, 0.02, 1) + names_in(0.5, 1, 3)
    for name in names:
        pairs = {
            f"Open the {name} file {i}": f"Die {name}-Datei {i} öffnen"
            for i in range(4)
        }
        cached_package(cache, name, {**pairs, "Cancel": "Abbrechen"})
    out, train = tmp_path / "out", tmp_path / "train"
    counts = build_corpus("de", out, train, cache, held_out=0.01)
    assert counts == {"train": 12, "dev": 4, "test": 5}  # "Cancel" once, in test
    rows = [
        line.split("\t") for line in (out / "packages.tsv").read_text().splitlines()
    ]
    splits = {row[0]: row[3] for row in rows[1:]}
    assert splits == {
        names[0]: "test",
        names[1]: "dev",
        **{n: "train" for n in names[2:]},
    }
    assert (train / "train.tsv.gz").exists() and not (out / "train.tsv.gz").exists()
    with gzip.open(out / "test.tsv.gz", "rt") as handle:
        assert "Cancel\tAbbrechen\n" in handle.readlines()
    licenses = sorted(p.name for p in (out / "licenses").iterdir())
    assert licenses == sorted(
        [f"{names[0]}.copyright", f"{names[1]}.copyright", "GPL-2", "LGPL-2.1"]
    )
    card = (out / "DATA.md").read_text()
    assert "5 Debian packages (bookworm" in card and "| GPL-2+ | 5 | 21 |" in card


def test_an_unreadable_catalog_is_skipped_and_the_others_read(tmp_path):
    folder = cached_package(tmp_path, "files", {"Quit": "Beenden"})
    meta = json.loads((folder / "meta.json").read_text())
    meta["catalogs"]["de"].append("de/broken.mo")
    # a catalog whose header says UTF-8 but whose text is Latin-1
    broken = polib.POFile(encoding="iso-8859-1")
    broken.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    broken.append(polib.POEntry(msgid="Size", msgstr="Größe"))
    broken.save_as_mofile(str(folder / "de" / "de" / "broken.mo"))
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="broken.mo skipped"):
        pairs = [r["source"] for r in catalog_cache.read_package(folder, "de")]
    assert pairs == ["Quit"]


def test_translation_reads_the_message_corpus_beside_its_splits(tmp_path, monkeypatch):
    task = get_task("translation")
    module = sys.modules[type(task).__module__]
    monkeypatch.setattr(module, "DATA", tmp_path / "data")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rows = {
        "train": ["Quit\tBeenden", "Open\tÖffnen"],
        "dev": ["Cancel\tAbbrechen"],
        "test": ["Save\tSpeichern"],
    }
    shipped = tmp_path / "data" / "translation-en-de"
    for split in rows:
        write_tsv_gz([{"source": "a", "target": "b"}], shipped / f"{split}.tsv.gz")
    for split in ("dev", "test"):
        (shipped / "messages").mkdir(parents=True, exist_ok=True)
        (shipped / "messages" / f"{split}.tsv").write_text(rows[split][0] + "\n")
    with_messages = get_task("translation", messages=True, split_paragraphs=False)
    assert get_task("translation").pairs("dev") == [Pair("a", "b")]
    # train lives in the cache: until prepare wrote it, the error says how
    with pytest.raises(FileNotFoundError, match="messages=true"):
        with_messages.pairs("train")
    train_dir = message_corpus.default_train_dir("en-de")
    assert train_dir.is_relative_to(tmp_path / "cache")
    train_dir.mkdir(parents=True)
    (train_dir / "train.tsv").write_text("\n".join(rows["train"]) + "\n")
    assert with_messages.pairs("train") == [
        Pair("a", "b"),
        Pair("Quit", "Beenden"),
        Pair("Open", "Öffnen"),
    ]
    assert with_messages.pairs("test") == [Pair("a", "b"), Pair("Save", "Speichern")]
    reverse = get_task("translation", source_lang="de", target_lang="en", messages=True)
    assert reverse.message_pairs("dev") == [Pair("Abbrechen", "Cancel")]
    with pytest.raises(ValueError, match="messages needs"):
        get_task("translation", target_lang="fr", messages=True)
    # a folder of one's own is scored as it is; its training adds the messages
    own = get_task(
        "translation",
        data_dir=str(shipped / "messages"),
        source_lang="en",
        target_lang="de",
        messages=True,
    )
    assert own.pairs("test") == [Pair("Save", "Speichern")]
    assert Pair("Quit", "Beenden") in own.message_pairs("train")


def test_each_test_part_is_written_as_a_folder_evaluate_can_score(tmp_path):
    test = [
        {"source": "a tool", "target": "ein Werkzeug", "origin": "DDTP"},
        {"source": "It rains.", "target": "Es regnet.", "origin": "Ding"},
        {"source": "a library", "target": "eine Bibliothek", "origin": "DDTP"},
    ]
    write_test_parts(test, tmp_path, "source_lang=en, target_lang=de")
    descriptions = get_task(
        "translation", data_dir=str(tmp_path / "parts/descriptions")
    )
    assert (descriptions.source_lang, descriptions.target_lang) == ("en", "de")
    assert descriptions.pairs("test") == [
        Pair("a tool", "ein Werkzeug"),
        Pair("a library", "eine Bibliothek"),
    ]
    sentences = get_task("translation", data_dir=str(tmp_path / "parts/sentences"))
    assert sentences.pairs("test") == [Pair("It rains.", "Es regnet.")]
