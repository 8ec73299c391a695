"""gettext message catalogs (``.mo`` and ``.po``): a program's interface messages and
their human translations, read and cleaned into (English, translation) pairs.

A catalog maps an English ``msgid`` (with an optional ``msgctxt``, and for plural
forms a ``msgid_plural``) to its translation. What is not translation is dropped:
fuzzy, obsolete and untranslated entries, translator credits, pairs that are
identical or hold no words. Interface text carries marks that a translator copies
or moves but does not translate; they are handled the same way on both sides:

- accelerator marks (``_File``, ``&File``, ``~File``, Chinese ``文件(_F)``) are
  removed;
- simple markup tags (``<b>``, ``<span weight="bold">``, ``<br/>``) are removed and
  entities (``&amp;``) decoded, and a pair whose two sides use different tags is
  dropped;
- placeholders (``%s``, ``%1$d``, ``%(name)s``, ``{0}``, ``$(ARG1)``, ``%1``,
  ``%PRODUCTNAME``) stay in the text, and a pair whose two sides hold different
  placeholders (compared without positions: ``%2$s`` is ``%s``) is dropped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import polib

# Order matters: LibreOffice's %PRODUCTNAME before printf's %P..., %% as a literal.
PLACEHOLDER = re.compile(
    r"%%"
    r"|%[A-Z][A-Z_]{2,}"
    r"|%\([^()\s]+\)[-+0#]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%(?:\d+\$)?[-+0#']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
    r"(?:hh|h|ll|l|L|q|j|z|t|I64|I32)?[diouxXeEfFgGaAcspn]"
    r"|%\{[A-Za-z_]\w*\}"
    r"|%L?\d+"
    r"|\{\d*\}"
    r"|\{[A-Za-z_][\w.]*(?:![rsa])?(?::[^{}]*)?\}"
    r"|\$\([A-Za-z_]\w*\)"
    r"|\$\{[A-Za-z_]\w*\}"
)
POSITION = re.compile(r"(?<=^%)\d+\$")
TAG_NAMES = (
    "a|b|big|body|br|center|cite|code|div|em|font|h[1-6]|head|hr|html|i|img|kbd|li|"
    "nobr|ol|p|pre|q|qt|s|samp|small|span|strike|strong|sub|sup|table|td|th|tr|tt|"
    "u|ul|var"
)
TAG = re.compile(rf"<(/?)({TAG_NAMES})(?:\s[^<>]*)?/?>", re.IGNORECASE)
# Tags that break a line become a space; the others vanish.
BREAKING_TAGS = {"br", "p", "li", "div", "tr", "hr", "ul", "ol", "table"}
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
# An accelerator in parentheses, as Chinese and Japanese catalogs place it: 文件(_F)
BRACKETED_ACCELERATOR = re.compile(r"\s*[(（][_&~][A-Za-z0-9][)）]")
ACCELERATORS = {
    "_": re.compile(r"_(?=[^\W\d_])"),
    "&": re.compile(r"&(?!&)(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)(?=[^\W\d_])"),
    "~": re.compile(r"~(?=[^\W\d_])"),
}
LETTER = re.compile(r"[^\W\d_]")
# Not sentences of a language: a desktop file's search keywords ("disk;usb;mount"),
# to which translators add their own words, and time zone names ("America/Lima")
KEYWORD_LIST = re.compile(r"[^\s;]+(?:;[^\s;]+)+;?")
TIME_ZONE = re.compile(
    r"(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|"
    r"Pacific|Etc)(?:/[A-Z][A-Za-z0-9_+-]+)+"
)
# msgids and contexts where a catalog names its translators instead of translating
CREDITS = {"translator-credits", "translator_credits", "Your names", "Your emails"}
CREDIT_CONTEXTS = {"NAME OF TRANSLATORS", "EMAIL OF TRANSLATORS"}


class Message(NamedTuple):
    """One translated string of a catalog, before cleaning.

    Attributes:
        context: the ``msgctxt`` (``""`` if none).
        source: the English text (``msgid``, or ``msgid_plural`` for a plural pair).
        target: its translation.
    """

    context: str
    source: str
    target: str


def read_catalog(path: Path) -> list[Message]:
    """The translated messages of a ``.mo`` or ``.po`` file, in file order.

    Fuzzy, obsolete and untranslated entries and the header are left out. A plural
    entry gives its singular pair (``msgid``, ``msgstr[0]``) and, where the language
    has one plural form for every number or exactly two forms (German's singular and
    plural, Chinese's one), its plural pair (``msgid_plural`` with the form used for
    many).
    """
    path = Path(path)
    if path.suffix == ".mo":
        catalog = polib.mofile(str(path))
    else:
        catalog = polib.pofile(str(path))
    plural_forms = _plural_forms(catalog.metadata.get("Plural-Forms", ""))
    messages = []
    for entry in catalog:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        context = entry.msgctxt or ""
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
            if not forms or not all(forms):
                continue
            messages.append(Message(context, entry.msgid, forms[0]))
            if plural_forms in (1, 2) and len(forms) >= plural_forms:
                messages.append(Message(context, entry.msgid_plural, forms[-1]))
        elif entry.msgstr:
            messages.append(Message(context, entry.msgid, entry.msgstr))
    return messages


def _plural_forms(header: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    return int(match.group(1)) if match else 2


def placeholders(text: str) -> Counter[str]:
    """The placeholders of ``text`` as a multiset, positions dropped (``%2$s`` ->
    ``%s``); a literal ``%%`` is not one."""
    found = (POSITION.sub("", m.group()) for m in PLACEHOLDER.finditer(text))
    return Counter(p for p in found if p != "%%")


def _placeholder_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PLACEHOLDER.finditer(text)]


def remove_accelerators(text: str) -> str:
    """``_File`` -> ``File``, ``Sa&ve`` -> ``Save``, ``~Open`` -> ``Open``,
    ``文件(_F)`` -> ``文件``, ``&&`` -> ``&``.

    A mark counts only before a letter, outside placeholders (``%(file_name)s``
    keeps its underscore), and only if the text holds exactly one of its kind, so
    ``snake_case_names`` and ``Tom & Jerry`` stay as they are.
    """
    text = BRACKETED_ACCELERATOR.sub("", text)
    for mark, pattern in ACCELERATORS.items():
        spans = _placeholder_spans(text)
        hits = [
            m.start()
            for m in pattern.finditer(text)
            if not any(start <= m.start() < end for start, end in spans)
        ]
        if len(hits) == 1:
            text = text[: hits[0]] + text[hits[0] + 1 :]
        if mark == "&":
            text = text.replace("&&", "&")
    return text


def tags(text: str) -> Counter[str]:
    """The markup tags of ``text`` as a multiset of names (``b``, ``/b``)."""
    return Counter(m.group(1) + m.group(2).lower() for m in TAG.finditer(text))


def strip_markup(text: str) -> str:
    """``text`` without its markup tags (line-breaking ones become a space) and with
    its entities decoded: ``<b>Save</b> &amp; quit`` -> ``Save & quit``."""

    def replace(match: re.Match[str]) -> str:
        return " " if match.group(2).lower() in BREAKING_TAGS else ""

    text = TAG.sub(replace, text)
    return ENTITY.sub(lambda m: html.unescape(m.group()), text)


def normalize_space(text: str) -> str:
    """Runs of whitespace (newlines and tabs too) as one space, ends stripped."""
    return " ".join(text.split())


def clean_pair(source: str, target: str) -> tuple[str, str] | None:
    """A catalog pair cleaned of interface marks, or ``None`` if it is not a usable
    translation (different tags or placeholders on the two sides, no letters in the
    English once placeholders are out, no translation, identical sides, a keyword
    list or a time zone name)."""
    if tags(source) != tags(target):
        return None
    source = normalize_space(remove_accelerators(strip_markup(source)))
    target = normalize_space(remove_accelerators(strip_markup(target)))
    if not target or source == target or placeholders(source) != placeholders(target):
        return None
    if not LETTER.search(PLACEHOLDER.sub("", source)):
        return None
    if KEYWORD_LIST.fullmatch(source) or TIME_ZONE.fullmatch(source):
        return None
    return source, target


def catalog_pairs(path: Path) -> list[tuple[str, str]]:
    """The cleaned, distinct (English, translation) pairs of a catalog, in file
    order; translator credits are left out."""
    pairs: dict[tuple[str, str], None] = {}
    for message in read_catalog(path):
        if message.source in CREDITS or message.context in CREDIT_CONTEXTS:
            continue
        pair = clean_pair(message.source, message.target)
        if pair:
            pairs[pair] = None
    return list(pairs)
