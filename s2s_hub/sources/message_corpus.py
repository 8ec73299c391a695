"""The message corpus of one language pair: catalogs in, split files and card out.

``build_corpus`` reads every cached package's catalogs (``catalog_cache.py``),
splits the pairs by package family with
:func:`~s2s_hub.sources.splitting.split_by_group_hash` (a package's split depends on
its name alone, so the corpus can grow), writes dev and test beside a ``DATA.md``, a
``packages.tsv`` (each package's version, split, pairs and licenses) and the license
texts of their packages (``licenses.py``), and writes the train split, too large for
git, into a folder of the cache.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from s2s_hub.sources.apt import default_cache_dir
from s2s_hub.sources.card import statistics_table
from s2s_hub.sources.catalog_cache import (
    catalogs_dir,
    fetch_catalogs,
    fetch_copyrights,
    read_meta,
    read_package,
)
from s2s_hub.sources.licenses import (
    copyright_licenses,
    license_summary,
    package_copyright,
    write_licenses,
)
from s2s_hub.sources.messages import LOCALES, debian_release
from s2s_hub.sources.splitting import split_by_group_hash, write_tsv_gz

CARD = """
# Software messages: {pair}

English-{language} interface messages (menus, dialogs, errors, help lines) of
{packages:,} Debian packages ({release}, main), from the gettext catalogs they ship
(`<locale>/LC_MESSAGES/<domain>.mo`, locales {locales}), built by
`s2s-hub data prepare translation` (task options `{options}`).

## Splits

{statistics}

Train is not in git: `prepare` writes it to `{train_dir}` (see `docs/data.md`).
Word counts are whitespace tokens (a Chinese message counts as few words).

Each catalog is cleaned the same way on both sides: fuzzy, obsolete and untranslated
entries, translator credits and identical pairs are dropped; accelerator marks
(`_File`, `&File`, `~File`, `文件(_F)`) and simple markup tags are removed and
entities decoded; a pair whose sides differ in tags or placeholders (`%s`, `%1$d`,
`%(name)s`, `{{0}}`, `$(ARG1)`, `%1`) is dropped, and the placeholders of the others
are kept; whitespace is normalised. A plural entry gives its singular pair and its
plural pair. Exact duplicates are removed.

Packages are grouped by source package with version digits dropped (`gcc-12` ->
`gcc`); a group goes to test if the SHA-1 of its name, read as a fraction, is below
{held_out}, to dev if below twice that, otherwise to train (groups of more than
{max_group:,} pairs always train). No package is in two splits, and train loses the
pairs that share an English or {language} text with dev or test.

**Reserved, never read:** the catalogs of `gnome-control-center-data`,
`nautilus-data`, `rhythmbox-data` and `evince-common` (domains
`gnome-control-center-2.0*`, `nautilus`, `rhythmbox`, `evince`): the project's
held-out check on new programs.

## Licenses

The messages keep their packages' licenses. `packages.tsv` lists every package with
its version, split, pairs and the licenses of its `copyright` file; `licenses/` holds
the `copyright` files of the dev and test packages and the license texts they name.
Pairs by license (a package with several licenses counts under each):

{licenses}

## Packages in dev and test

{held_out_packages}
"""


def message_group(source: str) -> str:
    """The split unit of a source package: its name without version digits, so
    ``gcc-11`` and ``gcc-12``, which ship nearly the same messages, go together."""
    return re.sub(r"[-.\d]+$", "", source) or source


def default_train_dir(pair: str) -> Path:
    """Where ``prepare`` writes a pair's train split: ``<cache>/data/messages-en-de``
    beside the raw sources, outside the repository."""
    return default_cache_dir().parent / "data" / f"messages-{pair}"


def prepare_messages(
    language: str,
    out_dir: Path,
    train_dir: Path | None = None,
    cache_dir: Path | None = None,
    max_packages: int | None = None,
    options: str = "",
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Fetch what the cache lacks (the richest ``max_packages`` packages with
    catalogs of ``language``, and the copyright files they point to), then
    :func:`build_corpus`. A rerun downloads nothing new and rewrites the same files
    while Debian's archive is unchanged."""
    pair = "en-" + language.split("_")[0]
    # both languages at once, so the cache never holds a package half fetched
    fetch_catalogs(cache_dir, tuple(LOCALES), max_packages, log=log)
    fetch_copyrights(cache_dir)
    train_dir = train_dir or default_train_dir(pair)
    return build_corpus(language, out_dir, train_dir, cache_dir, options=options)


def build_corpus(
    language: str,
    out_dir: Path,
    train_dir: Path,
    cache_dir: Path | None = None,
    held_out: float = 0.01,
    max_group: int = 2000,
    options: str = "",
) -> dict[str, int]:
    """Split the cached catalogs of ``language`` and write the corpus; return the
    count of each split. Dev, test, ``DATA.md``, ``packages.tsv`` and ``licenses/``
    go to ``out_dir``, train to ``train_dir``."""
    if language not in LOCALES:
        raise ValueError(f"no catalogs for {language!r}; expected one of {LOCALES}")
    cache_dir = cache_dir or default_cache_dir()
    folders = sorted(p.parent for p in catalogs_dir(cache_dir).glob("*/meta.json"))
    folders = [f for f in folders if language in read_meta(f)["catalogs"]]
    records = []
    for folder in folders:
        for record in read_package(folder, language):
            records.append({**record, "group": message_group(record["group"])})
    splits = split_by_group_hash(
        records,
        group_of=lambda r: r["group"],
        held_out=held_out,
        max_held_out_group=max_group,
        fenced=("source", "target"),
    )
    counts = {
        "train": write_tsv_gz(splits["train"], Path(train_dir) / "train.tsv.gz"),
        "dev": write_tsv_gz(splits["dev"], Path(out_dir) / "dev.tsv.gz"),
        "test": write_tsv_gz(splits["test"], Path(out_dir) / "test.tsv.gz"),
    }
    rows = _package_rows(folders, splits)
    _write_packages(rows, Path(out_dir) / "packages.tsv")
    write_licenses(rows, folders, Path(out_dir) / "licenses")
    pair = "en-" + language.split("_")[0]
    text = CARD.format(
        pair=pair,
        language={"de": "German", "zh_CN": "Chinese (Simplified)"}[language],
        packages=len(rows),
        release=debian_release(cache_dir),
        locales=", ".join(f"`{locale}`" for locale in LOCALES[language]),
        options=options,
        statistics=statistics_table(out_dir, {"train": Path(train_dir)}),
        train_dir=_shown(Path(train_dir)),
        held_out=held_out,
        max_group=max_group,
        licenses=license_summary(rows),
        held_out_packages=_held_out_table(rows),
    )
    (Path(out_dir) / "DATA.md").write_text(text.strip() + "\n", "utf-8")
    return counts


def _shown(path: Path) -> str:
    """``path`` as a card shows it: under the home folder as ``~/...``."""
    home = Path.home()
    resolved = path.resolve()
    return (
        f"~/{resolved.relative_to(home)}"
        if resolved.is_relative_to(home)
        else str(path)
    )


def _package_rows(
    folders: list[Path], splits: dict[str, list[dict[str, str]]]
) -> list[dict]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for split, records in splits.items():
        for record in records:
            counts[record["package"]][split] += 1
    rows = []
    for folder in folders:
        meta = read_meta(folder)
        package_counts = counts.get(meta["package"], Counter())
        rows.append(
            {
                "package": meta["package"],
                "version": meta["version"],
                "source": meta["source"],
                "split": next(iter(package_counts), "-"),
                "pairs": sum(package_counts.values()),
                "licenses": copyright_licenses(package_copyright(folder)),
            }
        )
    return rows


def _write_packages(rows: list[dict], path: Path) -> None:
    lines = ["package\tversion\tsource\tsplit\tpairs\tlicenses\n"]
    for row in rows:
        licenses = "; ".join(row["licenses"]) or "see copyright"
        lines.append(
            f"{row['package']}\t{row['version']}\t{row['source']}\t{row['split']}\t"
            f"{row['pairs']}\t{licenses}\n"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), "utf-8")


def _held_out_table(rows: list[dict]) -> str:
    lines = [
        "| split | package | version | pairs | licenses |",
        "|---|---|---|---:|---|",
    ]
    for row in sorted(rows, key=lambda r: (r["split"], r["package"])):
        if row["split"] in ("dev", "test"):
            lines.append(
                f"| {row['split']} | {row['package']} | {row['version']} "
                f"| {row['pairs']:,} | {'; '.join(row['licenses'])} |"
            )
    return "\n".join(lines)
