"""Which of Debian's packages carry the gettext catalogs of a language.

Programs ship their translations as ``<locale>/LC_MESSAGES/<domain>.mo`` files. The
Contents indexes (what ``apt-file`` reads) tell which packages hold a German or
Simplified Chinese catalog before anything is downloaded, and the Packages index how
large each is, so the richest can be fetched first (``catalog_cache.py``).

The catalogs of the packages and gettext domains in :data:`RESERVED_PACKAGES` and
:data:`RESERVED_DOMAINS` are the project's held-out check on new programs: they are
never listed, downloaded or read.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from s2s_hub.sources.apt import (
    default_cache_dir,
    read_index,
    suite,
    update_contents_lists,
)

RESERVED_PACKAGES = frozenset(
    {"gnome-control-center-data", "nautilus-data", "rhythmbox-data", "evince-common"}
)
RESERVED_DOMAINS = re.compile(r"gnome-control-center-2\.0.*|nautilus|rhythmbox|evince")
# The locale folders that hold each language's catalogs
LOCALES = {"de": ("de", "de_DE"), "zh_CN": ("zh_CN", "zh_Hans", "zh-Hans")}
CATALOG = re.compile(r"/(?P<locale>[\w-]+)/LC_MESSAGES/(?P<domain>[^/]+)\.mo$")
# Packages whose download is mostly not catalogs and too large to fetch for them
MAX_DOWNLOAD_BYTES = 100_000_000
# A catalog of a few thousand messages is a few hundred kB; larger shares of a
# package's size are its other files.
MAX_CATALOG_KB = 400


def is_reserved(package: str, domain: str | None = None) -> bool:
    """Whether a package, or a gettext domain, belongs to the held-out check."""
    if package in RESERVED_PACKAGES:
        return True
    return domain is not None and RESERVED_DOMAINS.fullmatch(domain) is not None


def refuse_reserved(packages: Iterable[str]) -> None:
    """Raise if any of ``packages`` is reserved for the held-out check."""
    reserved = sorted(p for p in packages if is_reserved(p))
    if reserved:
        raise ValueError(f"reserved for the held-out check: {', '.join(reserved)}")


def language_of(path: str) -> str | None:
    """The language (``de``, ``zh_CN``) of a catalog path, or ``None``."""
    match = CATALOG.search(path)
    if not match:
        return None
    return next(
        (lang for lang, dirs in LOCALES.items() if match["locale"] in dirs), None
    )


@dataclass
class Candidate:
    """A package that ships catalogs, as the indexes describe it before download.

    Attributes:
        package: the binary package name.
        source: its source package (the unit of the split).
        size: download size in bytes.
        installed_size: unpacked size in kB.
        files: how many files the package holds.
        catalogs: language -> paths of its catalogs in that language.
    """

    package: str
    source: str = ""
    size: int = 0
    installed_size: int = 0
    files: int = 0
    catalogs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def richness(self) -> float:
        """Estimated kB of wanted catalogs: the package's unpacked size per file,
        at most :data:`MAX_CATALOG_KB`, times its wanted catalogs."""
        wanted = sum(len(paths) for paths in self.catalogs.values())
        return min(self.installed_size / max(self.files, 1), MAX_CATALOG_KB) * wanted

    @property
    def flavour(self) -> tuple[str, frozenset[str]]:
        """Its source and catalog names without digits: ``libwebkit2gtk-4.0-37`` and
        ``libwebkit2gtk-4.1-0`` ship the same messages under versioned domains."""
        names = (
            lang + ":" + re.sub(r"[\d.]+", "", path.rpartition("/")[2])
            for lang, paths in self.catalogs.items()
            for path in paths
        )
        return self.source, frozenset(names)


def _main_indexes(lists_dir: Path, kind: str) -> list[Path]:
    return sorted(
        path
        for path in lists_dir.glob(f"*_dists_*_main_*{kind}*")
        if not path.name.endswith("InRelease")
    )


def scan_contents(
    lines: Iterable[str], languages: tuple[str, ...]
) -> dict[str, Candidate]:
    """Candidates from Contents lines (``path  section/pkg,section/pkg2``): every
    package with a catalog in one of ``languages``, reserved ones left out."""
    files: Counter[str] = Counter()
    found: dict[str, Candidate] = {}
    for line in lines:
        path, _, owners = line.rstrip("\n").rpartition(" ")
        packages = [owner.rpartition("/")[2] for owner in owners.split(",")]
        files.update(packages)
        if "LC_MESSAGES" not in path:
            continue
        path = path.strip()
        lang = language_of(path)
        domain = CATALOG.search(path)
        if lang not in languages or domain is None:
            continue
        for package in packages:
            if is_reserved(package, domain["domain"]):
                continue
            candidate = found.setdefault(package, Candidate(package))
            candidate.catalogs.setdefault(lang, []).append(path)
    for package, candidate in found.items():
        candidate.files = files[package]
    return found


def _add_package_fields(candidates: dict[str, Candidate], lines: Iterable[str]) -> None:
    stanza: dict[str, str] = {}
    for line in itertools.chain(lines, ["\n"]):  # a blank line ends the last one
        if line.strip():
            key, _, value = line.partition(":")
            if not line.startswith(" "):
                stanza[key] = value.strip()
            continue
        candidate = candidates.get(stanza.get("Package", ""))
        if candidate is not None:
            candidate.source = stanza.get("Source", candidate.package).split()[0]
            candidate.size = int(stanza.get("Size", 0))
            candidate.installed_size = int(stanza.get("Installed-Size", 0))
        stanza = {}


def list_candidates(
    cache_dir: Path | None = None, languages: tuple[str, ...] = tuple(LOCALES)
) -> list[Candidate]:
    """Packages with catalogs in ``languages``, richest first (cached as JSON)."""
    cache_dir = cache_dir or default_cache_dir()
    listing = cache_dir / "catalogs" / f"candidates-{'-'.join(languages)}.json"
    if listing.exists():
        rows = json.loads(listing.read_text("utf-8"))
        return [Candidate(**row) for row in rows]
    lists_dir = update_contents_lists(cache_dir)
    candidates = scan_contents(
        (
            line
            for index in _main_indexes(lists_dir, "Contents-")
            for line in read_index(index)
        ),
        languages,
    )
    _add_package_fields(
        candidates,
        (
            line
            for index in _main_indexes(lists_dir, "Packages")
            for line in read_index(index)
        ),
    )
    ordered, flavours = [], set()
    for candidate in sorted(
        candidates.values(), key=lambda c: (-c.richness, c.package)
    ):
        if (
            0 < candidate.size <= MAX_DOWNLOAD_BYTES
            and candidate.flavour not in flavours
        ):
            flavours.add(candidate.flavour)
            ordered.append(candidate)
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text(json.dumps([asdict(c) for c in ordered], indent=0), "utf-8")
    return ordered


def debian_release(cache_dir: Path | None = None) -> str:
    """The Debian release (``bookworm``) whose Contents indexes the cache holds."""
    lists_dir = update_contents_lists(cache_dir or default_cache_dir())
    suites = {suite(index) for index in _main_indexes(lists_dir, "Contents-")}
    return min(suites, key=lambda name: ("-" in name, name))
