"""The cache of fetched catalogs: each package's catalogs, copyright and versions.

Of each package only its catalogs in the wanted languages and its ``copyright`` are
kept, in ``<cache>/catalogs/packages/<package>/`` with a ``meta.json`` (version,
source package, catalogs); the ``.deb`` is deleted once read. Reserved packages and
domains (``messages.is_reserved``) are refused at every step.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from s2s_hub.sources.apt import default_cache_dir, download_debs, update_contents_lists
from s2s_hub.sources.catalogs import catalog_pairs
from s2s_hub.sources.messages import (
    CATALOG,
    LOCALES,
    is_reserved,
    language_of,
    list_candidates,
    refuse_reserved,
)


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
