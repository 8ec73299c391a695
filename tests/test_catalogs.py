"""The gettext catalog reader, on small .po and .mo files written here."""

from pathlib import Path

import polib
import pytest

from s2s_hub.sources.catalogs import (
    catalog_pairs,
    clean_pair,
    placeholders,
    read_catalog,
    remove_accelerators,
    strip_markup,
)


def write_catalog(folder: Path, entries: list[polib.POEntry], nplurals: int = 2):
    """A catalog as both ``messages.po`` and ``messages.mo``; returns both paths."""
    catalog = polib.POFile()
    catalog.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": f"nplurals={nplurals}; plural=(n != 1);",
    }
    catalog.extend(entries)
    po, mo = folder / "messages.po", folder / "messages.mo"
    catalog.save(str(po))
    catalog.save_as_mofile(str(mo))
    return po, mo


def entry(msgid: str, msgstr: str = "", **fields) -> polib.POEntry:
    return polib.POEntry(msgid=msgid, msgstr=msgstr, **fields)


@pytest.fixture(params=["po", "mo"])
def kind(request) -> str:
    return request.param


def test_plural_entries_give_the_singular_and_the_plural_pair(tmp_path, kind):
    files = write_catalog(
        tmp_path,
        [
            entry(
                "%d file was deleted",
                msgid_plural="%d files were deleted",
                msgstr_plural={
                    0: "%d Datei wurde gelöscht",
                    1: "%d Dateien wurden gelöscht",
                },
            )
        ],
    )
    path = files[["po", "mo"].index(kind)]
    assert catalog_pairs(path) == [
        ("%d file was deleted", "%d Datei wurde gelöscht"),
        ("%d files were deleted", "%d Dateien wurden gelöscht"),
    ]


def test_a_language_with_one_form_pairs_it_with_both_english_forms(tmp_path):
    _, mo = write_catalog(
        tmp_path,
        [entry("%d item", msgid_plural="%d items", msgstr_plural={0: "%d 个项目"})],
        nplurals=1,
    )
    assert catalog_pairs(mo) == [("%d item", "%d 个项目"), ("%d items", "%d 个项目")]


def test_a_plural_entry_with_a_missing_form_is_dropped(tmp_path):
    _, mo = write_catalog(
        tmp_path,
        [entry("%d day", msgid_plural="%d days", msgstr_plural={0: "%d Tag", 1: ""})],
    )
    assert read_catalog(mo) == []


def test_context_is_kept_apart_from_the_english_text(tmp_path, kind):
    files = write_catalog(
        tmp_path,
        [
            entry("Open", "Öffnen", msgctxt="verb"),
            entry("Open", "Offen", msgctxt="state"),
        ],
    )
    path = files[["po", "mo"].index(kind)]
    if kind == "mo":  # gettext joins context and message with \x04 in the file
        assert b"verb\x04Open" in path.read_bytes()
    messages = read_catalog(path)
    assert {(m.context, m.source, m.target) for m in messages} == {
        ("verb", "Open", "Öffnen"),
        ("state", "Open", "Offen"),
    }
    assert sorted(catalog_pairs(path)) == [("Open", "Offen"), ("Open", "Öffnen")]


def test_fuzzy_obsolete_and_untranslated_entries_are_dropped(tmp_path):
    po, _ = write_catalog(
        tmp_path,
        [
            entry("Save the file", "Datei speichern"),
            entry("Print the file", "Datei drucken", flags=["fuzzy"]),
            entry("Close the window", ""),
            entry("Old message", "Alte Meldung", obsolete=True),
        ],
    )
    assert catalog_pairs(po) == [("Save the file", "Datei speichern")]


def test_identical_credit_and_wordless_pairs_are_dropped(tmp_path, kind):
    files = write_catalog(
        tmp_path,
        [
            entry("GNOME", "GNOME"),
            entry("translator-credits", "Anna Beispiel <anna@example.org>"),
            entry("Your names", "Anna Beispiel", msgctxt="NAME OF TRANSLATORS"),
            entry("%s: %s", "%s: %s"),
            entry("%d / %d", "%d von %d"),
            entry("About", "Info"),
        ],
    )
    assert catalog_pairs(files[["po", "mo"].index(kind)]) == [("About", "Info")]


def test_accelerator_marks_are_removed_on_both_sides():
    assert clean_pair("_Save As…", "Speichern _unter …") == (
        "Save As…",
        "Speichern unter …",
    )
    assert clean_pair("&Open File", "Datei ö&ffnen") == ("Open File", "Datei öffnen")
    assert clean_pair("~Insert", "~Einfügen") == ("Insert", "Einfügen")
    assert clean_pair("_File", "文件(_F)") == ("File", "文件")
    assert remove_accelerators("Tom && Jerry") == "Tom & Jerry"
    # a mark that occurs twice is text, not an accelerator; placeholders keep theirs
    assert remove_accelerators("snake_case_name") == "snake_case_name"
    assert remove_accelerators("_Open %(file_name)s") == "Open %(file_name)s"


def test_markup_is_stripped_and_differing_tags_drop_the_pair():
    assert strip_markup("<b>Bold</b> &amp; <span weight='x'>more</span><br/>x") == (
        "Bold & more x"
    )
    assert clean_pair("<b>Warning:</b> disk full", "<b>Warnung:</b> Platte voll") == (
        "Warning: disk full",
        "Warnung: Platte voll",
    )
    assert clean_pair("<b>Warning:</b> disk full", "Warnung: Platte voll") is None
    # what looks like a tag but is a usage placeholder stays
    assert clean_pair("Usage: copy <file>", "Aufruf: copy <Datei>") == (
        "Usage: copy <file>",
        "Aufruf: copy <Datei>",
    )


def test_pairs_whose_placeholders_differ_are_dropped():
    assert placeholders("%1$s of %2$d, %(name)s {0} $(ARG1) %1 %% %PRODUCTNAME") == {
        "%s": 1,
        "%d": 1,
        "%(name)s": 1,
        "{0}": 1,
        "$(ARG1)": 1,
        "%1": 1,
        "%PRODUCTNAME": 1,
    }
    assert placeholders("50% off and 100%") == {}
    # reordered positional arguments are the same placeholders
    assert clean_pair("%1$s in %2$s", "%2$s: %1$s") == ("%1$s in %2$s", "%2$s: %1$s")
    assert clean_pair("Copy %s to %s", "%s kopieren") is None
    assert clean_pair("Page {0}", "Seite {1}") is None
    assert clean_pair("Delete $(ARG1)?", "$(ARG1) löschen?") == (
        "Delete $(ARG1)?",
        "$(ARG1) löschen?",
    )


def test_whitespace_is_normalised():
    assert clean_pair("  Line one\n  line\ttwo ", "Zeile eins\nZeile  zwei") == (
        "Line one line two",
        "Zeile eins Zeile zwei",
    )


def test_a_catalog_in_another_charset_is_decoded(tmp_path):
    catalog = polib.POFile(encoding="iso-8859-1")
    catalog.metadata = {"Content-Type": "text/plain; charset=ISO-8859-1"}
    catalog.append(entry("Size", "Größe"))
    catalog.save_as_mofile(str(tmp_path / "latin.mo"))
    assert "Größe".encode("iso-8859-1") in (tmp_path / "latin.mo").read_bytes()
    assert catalog_pairs(tmp_path / "latin.mo") == [("Size", "Größe")]


def test_keyword_lists_and_time_zone_names_are_not_sentences():
    assert clean_pair("disk;usb;mount;", "disk;usb;mount;Platte;einhängen;") is None
    assert clean_pair("America/Argentina/Buenos_Aires", "Amerika/Argentinien") is None
    assert clean_pair("Asia/Riyadh87", "亚洲/利雅得87") is None
    assert clean_pair("Copy; then paste", "Kopieren; dann einfügen") == (
        "Copy; then paste",
        "Kopieren; dann einfügen",
    )
    assert clean_pair("Input/Output", "Eingabe/Ausgabe") == (
        "Input/Output",
        "Eingabe/Ausgabe",
    )
