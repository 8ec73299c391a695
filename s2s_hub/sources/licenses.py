"""The licenses of Debian packages: read from their ``copyright`` files, and the
texts that must travel with the messages taken from them.

Machine-readable copyright files name licenses in ``License:`` fields; older files are
searched for well-known names. GPL, LGPL, MPL and others ask for their text to travel
along, so the common-license files they name are copied beside the copyright files.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from s2s_hub.sources.catalog_cache import read_meta

COMMON_LICENSES = Path("/usr/share/common-licenses")
# License names as written in copyright files -> their text in common-licenses
LICENSE_TEXTS = {
    r"\bL?GPL-?2\.1": "LGPL-2.1",
    r"\bLGPL-?2(?![.\d])": "LGPL-2",
    r"\bLGPL-?3": "LGPL-3",
    r"(?<!L)GPL-?2(?![.\d])": "GPL-2",
    r"(?<!L)GPL-?3": "GPL-3",
    r"Apache-?2": "Apache-2.0",
    r"MPL-?1\.1": "MPL-1.1",
    r"MPL-?2": "MPL-2.0",
    r"GFDL-?1\.2": "GFDL-1.2",
    r"GFDL-?1\.3": "GFDL-1.3",
    r"Artistic": "Artistic",
    r"CC0": "CC0-1.0",
}
# Names found in copyright files that do not follow the machine-readable format
FREE_TEXT_LICENSES = {
    "LGPL": r"GNU (?:Lesser|Library) General Public License",
    "GPL": r"GNU General Public License",
    "Apache-2.0": r"Apache License,? Version 2",
    "MPL": r"Mozilla Public License",
    "BSD": r"\bBSD\b",
    "Expat": r"Permission is hereby granted, free of charge",
    "public-domain": r"public domain",
}


def copyright_licenses(text: str) -> list[str]:
    """The licenses a Debian ``copyright`` file names, sorted.

    Machine-readable files give them in ``License:`` fields; from other files the
    names of well-known licenses found in the text are returned.
    """
    if text.startswith("Format:"):
        names = re.findall(r"(?m)^License:[ \t]*(\S[^\n]*)", text)
        return sorted({name.strip() for name in names})
    return sorted(
        name
        for name, pattern in FREE_TEXT_LICENSES.items()
        if re.search(pattern, text, re.IGNORECASE)
    )


def license_texts(names: list[str]) -> list[str]:
    """The files of ``/usr/share/common-licenses`` that ``names`` refer to."""
    found = {
        text
        for name in names
        for pattern, text in LICENSE_TEXTS.items()
        if re.search(pattern, name)
    }
    return sorted(found)


def package_copyright(folder: Path) -> str:
    """A cached package's ``copyright`` text, or that of the package its doc folder
    points to (``foo-data`` -> ``foo``) when that one is cached; ``""`` if neither."""
    if (folder / "copyright").exists():
        return (folder / "copyright").read_text("utf-8", errors="replace")
    owner = read_meta(folder).get("copyright")
    other = folder.parent / str(owner) / "copyright"
    return other.read_text("utf-8", errors="replace") if other.exists() else ""


def write_licenses(rows: list[dict], folders: list[Path], out: Path) -> None:
    """Write to ``out`` the copyright files of the dev and test packages and the
    common license texts they name (GPL, LGPL, MPL and others ask for their text to
    travel along)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    by_name = {folder.name: folder for folder in folders}
    named: set[str] = set()
    for row in rows:
        if row["split"] not in ("dev", "test"):
            continue
        text = package_copyright(by_name[row["package"]])
        (out / f"{row['package']}.copyright").write_text(text, "utf-8")
        named.update(license_texts(row["licenses"]))
    for name in sorted(named):
        if (COMMON_LICENSES / name).exists():
            shutil.copyfile(COMMON_LICENSES / name, out / name)


def license_summary(rows: list[dict]) -> str:
    """A Markdown table of pairs and packages by license (a package with several
    licenses counts under each), the 25 commonest and the rest summed."""
    pairs: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for row in rows:
        for name in row["licenses"] or ["(not recognised: see copyright)"]:
            pairs[name] += row["pairs"]
            packages[name] += 1
    lines = ["| license | packages | pairs |", "|---|---:|---:|"]
    for name, count in pairs.most_common(25):
        lines.append(f"| {name} | {packages[name]:,} | {count:,} |")
    if len(pairs) > 25:
        rest = sum(count for _, count in pairs.most_common()[25:])
        lines.append(f"| {len(pairs) - 25} others | | {rest:,} |")
    return "\n".join(lines)
