"""Fetching files from Debian's archive without touching the machine's apt state.

The images this project runs on set ``Acquire::Languages "none"``, so the system's
lists hold no translated descriptions, and a plain ``apt-get update`` would delete any.
A private lists folder inside a cache folder holds exactly what a source needs, and
the system's own lists and package caches are left as they were.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

LANGUAGES = ("en", "de", "fr", "it")
APT_HELPER = "/usr/lib/apt/apt-helper"
# The index target apt-file configures: every file of every package, per component.
CONTENTS_TARGET = {
    "MetaKey": "$(COMPONENT)/Contents-$(ARCHITECTURE)",
    "ShortDescription": "Contents-$(ARCHITECTURE)",
    "Description": "$(RELEASE)/$(COMPONENT) $(ARCHITECTURE) Contents",
    "KeepCompressed": "true",
    "PDiffs": "false",
}


def default_cache_dir() -> Path:
    """Where raw downloads are kept between runs of ``prepare``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "s2s-hub" / "sources"


def _private_options(lists_dir: Path) -> list[str]:
    # Empty pkgcache names keep apt from rewriting the system's binary caches.
    settings = {
        "Dir::State::Lists": lists_dir,
        "Dir::Cache::pkgcache": "",
        "Dir::Cache::srcpkgcache": "",
    }
    return [arg for key, value in settings.items() for arg in ("-o", f"{key}={value}")]


def _run(command: list[str], cwd: Path | None = None) -> None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise RuntimeError(f"{command[0]} not found: this source needs apt") from error
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:2])} failed (exit {result.returncode}; apt needs "
            f"root):\n{result.stderr.strip()[-2000:]}"
        )


def update_lists(cache_dir: Path, languages: tuple[str, ...] = LANGUAGES) -> Path:
    """A private apt lists folder with Packages and Translation indexes, made once,
    and again when a language is asked for whose index it lacks (``zh_CN`` is not
    among the default :data:`LANGUAGES`); an update keeps the defaults' indexes."""
    lists_dir = cache_dir / "apt-lists"
    missing = [lang for lang in languages if not _translation_indexes(lists_dir, lang)]
    if missing or not any(lists_dir.glob("*_Packages*")):
        (lists_dir / "partial").mkdir(parents=True, exist_ok=True)
        every = dict.fromkeys((*LANGUAGES, *languages))
        wanted = f"Acquire::Languages={','.join(every)}"
        _run(["apt-get", "update", *_private_options(lists_dir), "-o", wanted])
    return lists_dir


def _translation_indexes(lists_dir: Path, language: str) -> list[Path]:
    # apt escapes the underscore of a file name's language: Translation-zh%5fCN
    name = language.replace("_", "%5f")
    return sorted(lists_dir.glob(f"*_dists_*_main_i18n_Translation-{name}*"))


def update_contents_lists(cache_dir: Path) -> Path:
    """A private lists folder with Packages and Contents indexes, made once.

    The Contents indexes list every file of every package (what ``apt-file`` reads),
    so packages can be chosen by what they ship before anything is downloaded.
    """
    lists_dir = cache_dir / "apt-contents"
    if not any(lists_dir.glob("*_Contents-*")):
        (lists_dir / "partial").mkdir(parents=True, exist_ok=True)
        target = "Acquire::IndexTargets::deb::Contents-deb"
        contents = [
            arg
            for key, value in CONTENTS_TARGET.items()
            for arg in ("-o", f"{target}::{key}={value}")
        ]
        languages = ["-o", "Acquire::Languages=none"]
        _run(["apt-get", "update", *_private_options(lists_dir), *languages, *contents])
    return lists_dir


def read_index(index: Path) -> Iterator[str]:
    """The lines of an apt index, decompressed on the fly (whatever format apt kept)."""
    with subprocess.Popen(
        [APT_HELPER, "cat-file", str(index)], stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        yield from process.stdout
    if process.returncode != 0:
        raise RuntimeError(f"apt-helper cat-file {index} failed")


def download_debs(lists_dir: Path, packages: list[str], folder: Path) -> list[Path]:
    """``apt-get download`` the candidate versions of ``packages`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", *_private_options(lists_dir), *packages], cwd=folder)
    return sorted(folder.glob("*.deb"))


def suite(index: Path) -> str:
    """The suite of an index, from its file name: ``bookworm``, ``trixie-updates``."""
    return index.name.split("_dists_")[1].split("_")[0]


def main_translation_file(lists_dir: Path, language: str) -> Path:
    """The stable suite's ``main`` Translation index of ``language``.

    Security and update suites carry a few re-uploaded descriptions of their own; they
    are left out so that one file per language defines the data.
    """
    candidates = [
        path
        for path in _translation_indexes(lists_dir, language)
        if "-" not in suite(path)
    ]
    if not candidates:
        raise FileNotFoundError(f"no main Translation-{language} index in {lists_dir}")
    return candidates[0]


def cat_index(index: Path, target: Path) -> Path:
    """Decompress an apt index (whatever format apt stored) to ``target``.

    The text goes to a side file first, so an interrupted run leaves no half file
    that a later run would take for a finished download.
    """
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as handle:
        result = subprocess.run([APT_HELPER, "cat-file", str(index)], stdout=handle)
    if result.returncode != 0:
        partial.unlink()
        raise RuntimeError(f"apt-helper cat-file {index} failed")
    return partial.rename(target)


def download_package(cache_dir: Path, package: str) -> Path:
    """Download and unpack a ``.deb`` into ``cache_dir/package``; return that folder."""
    unpacked = cache_dir / package
    if unpacked.is_dir():
        return unpacked
    lists_dir = update_lists(cache_dir)
    debs = cache_dir / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", *_private_options(lists_dir), package], cwd=debs)
    deb = sorted(debs.glob(f"{package}_*.deb"))[-1]
    partial = cache_dir / f"{package}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    _run(["dpkg-deb", "-x", str(deb), str(partial)])
    partial.rename(unpacked)
    return unpacked
