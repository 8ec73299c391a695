"""A corpus of software messages from the gettext catalogs in Debian's packages.

Programs ship their translations as ``<locale>/LC_MESSAGES/<domain>.mo`` files. The
Contents indexes (what ``apt-file`` reads) tell which packages hold a German or
Simplified Chinese catalog before anything is downloaded; the richest packages are
fetched first, and of each only its catalogs and its ``copyright`` are kept, in
``<cache>/catalogs/<package>/`` (the ``.deb`` is deleted once read).

The catalogs of the packages and gettext domains in :data:`RESERVED_PACKAGES` and
:data:`RESERVED_DOMAINS` are the project's held-out check on new programs: they are
never listed, downloaded or read here.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from s2s_hub.sources.apt import (
    default_cache_dir,
    download_debs,
    read_index,
    suite,
    update_contents_lists,
)
from s2s_hub.sources.catalogs import catalog_pairs

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


def catalogs_dir(cache_dir: Path | None = None) -> Path:
    """Where each fetched package keeps its catalogs, copyright and ``meta.json``."""
    return (cache_dir or default_cache_dir()) / "catalogs" / "packages"


def _deb_field(deb: Path, name: str) -> str:
    result = subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def unpack_catalogs(deb: Path, folder: Path, languages: tuple[str, ...]) -> dict:
    """Copy the catalogs in ``languages`` and the copyright of ``deb`` into
    ``folder`` (``<lang>/<domain>.mo``, ``copyright``); return its ``meta.json``.

    Only the wanted members are read from the package's data stream, so nothing
    else of the package touches the disk.
    """
    package = _deb_field(deb, "Package")
    refuse_reserved([package])
    meta = {
        "package": package,
        "version": _deb_field(deb, "Version"),
        "source": (_deb_field(deb, "Source") or package).split()[0],
        "catalogs": {},
        "copyright": None,
    }
    doc = f"./usr/share/doc/{package}"
    process = subprocess.Popen(
        ["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
        for member in archive:
            if member.name == f"{doc}/copyright" and member.isfile():
                _extract(archive, member, folder / "copyright")
                meta["copyright"] = package
            elif member.name == doc and member.issym():
                # usr/share/doc/foo-data -> foo: the copyright is foo's
                meta["copyright"] = member.linkname.strip("/").rpartition("/")[2]
            lang = language_of(member.name)
            match = CATALOG.search(member.name)
            if lang in languages and match and member.isfile():
                if is_reserved(package, match["domain"]):
                    continue
                name = f"{match['locale']}/{match['domain']}.mo"
                _extract(archive, member, folder / lang / name)
                meta["catalogs"].setdefault(lang, []).append(name)
    if process.wait() != 0:
        raise RuntimeError(f"dpkg-deb --fsys-tarfile {deb} failed")
    return meta


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    source = archive.extractfile(member)
    assert source is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        shutil.copyfileobj(source, handle)


def fetch_batch(
    cache_dir: Path, packages: list[str], languages: tuple[str, ...]
) -> list[str]:
    """Download ``packages`` in one ``apt-get download``, keep their catalogs, delete
    the ``.deb`` files; return the packages fetched."""
    refuse_reserved(packages)
    lists_dir = update_contents_lists(cache_dir)
    done = []
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as temp:
        for deb in download_debs(lists_dir, packages, Path(temp)):
            meta = unpack_catalogs(deb, Path(temp) / "unpacked", languages)
            folder = catalogs_dir(cache_dir) / meta["package"]
            (Path(temp) / "unpacked").mkdir(exist_ok=True)
            (Path(temp) / "unpacked" / "meta.json").write_text(
                json.dumps(meta, ensure_ascii=False, indent=1), "utf-8"
            )
            shutil.rmtree(folder, ignore_errors=True)
            folder.parent.mkdir(parents=True, exist_ok=True)
            (Path(temp) / "unpacked").rename(folder)
            deb.unlink()
            done.append(meta["package"])
    return done


def fetch_catalogs(
    cache_dir: Path | None = None,
    languages: tuple[str, ...] = tuple(LOCALES),
    max_packages: int | None = None,
    batch_size: int = 20,
    workers: int = 3,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Fetch the richest ``max_packages`` candidates not yet in the cache (a rerun
    continues where the last one stopped); return every cached package folder."""
    cache_dir = cache_dir or default_cache_dir()
    candidates = list_candidates(cache_dir, languages)[:max_packages]
    have = {p.parent.name for p in catalogs_dir(cache_dir).glob("*/meta.json")}
    missing = [c.package for c in candidates if c.package not in have]
    batches = [missing[i : i + batch_size] for i in range(0, len(missing), batch_size)]
    log(f"{len(candidates)} candidates, {len(have)} cached, {len(missing)} to fetch")

    def fetch(batch: list[str]) -> int:
        try:
            return len(fetch_batch(cache_dir, batch, languages))
        except (RuntimeError, subprocess.CalledProcessError) as error:
            log(f"batch {batch[0]}..{batch[-1]} failed: {str(error)[-300:]}")
            return 0

    fetched = 0
    with ThreadPoolExecutor(workers) as pool:
        for count in pool.map(fetch, batches):
            fetched += count
            log(f"fetched {fetched} of {len(missing)} packages")
    return sorted(p.parent for p in catalogs_dir(cache_dir).glob("*/meta.json"))


def read_meta(folder: Path) -> dict:
    """A cached package's ``meta.json``: package, version, source, catalogs (language
    -> paths under ``folder/<language>``) and copyright (the package whose
    ``copyright`` file applies, or None)."""
    return json.loads((folder / "meta.json").read_text("utf-8"))


def fetch_copyrights(cache_dir: Path | None = None) -> list[str]:
    """Fetch the copyright files that cached packages point to (``foo-data``'s doc
    folder is often a link to ``foo``'s); return the packages fetched for them."""
    cache_dir = cache_dir or default_cache_dir()
    folders = [p.parent for p in catalogs_dir(cache_dir).glob("*/meta.json")]
    cached = {folder.name for folder in folders}
    owners = {read_meta(folder)["copyright"] for folder in folders}
    missing = sorted(o for o in owners if o and o not in cached and not is_reserved(o))
    for start in range(0, len(missing), 20):
        fetch_batch(cache_dir, missing[start : start + 20], languages=())
    return missing


def read_package(folder: Path, language: str) -> Iterator[dict[str, str]]:
    """The cleaned pairs of one cached package's catalogs in ``language``, as
    records with ``source`` (English), ``target``, ``package``, ``group`` (the
    source package) and ``domain``."""
    meta = read_meta(folder)
    refuse_reserved([meta["package"]])
    for name in meta["catalogs"].get(language, []):
        domain = name.rpartition("/")[2].removesuffix(".mo")
        if is_reserved(meta["package"], domain):
            continue
        try:
            pairs = catalog_pairs(folder / language / name)
        except (UnicodeDecodeError, OSError, ValueError) as error:
            # a catalog whose bytes contradict its charset header, or a broken file
            warnings.warn(f"{folder / language / name} skipped: {error}", stacklevel=2)
            continue
        for source, target in pairs:
            yield {
                "source": source,
                "target": target,
                "package": meta["package"],
                "group": meta["source"],
                "domain": domain,
            }
