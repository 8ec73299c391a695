"""The attention heat map: which source pieces each output piece looked at."""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from pathlib import Path

from matplotlib import font_manager, ft2font
from matplotlib.figure import Figure
from torch import Tensor

# Tried in order for every glyph: DejaVu Sans covers Latin, Greek, Cyrillic, Arabic
# and Hebrew; the Noto fonts (Debian's fonts-noto-cjk, fonts-noto-core) add CJK,
# Thai, Devanagari and the rest, Symbola (fonts-symbola) emoji in outline (colour
# emoji fonts are bitmaps, which matplotlib cannot draw). ``packages.txt`` installs
# them on a Space; a machine without them shows what it cannot draw as U+XXXX.
FONT_FAMILIES = (
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans Thai",
    "Noto Sans Devanagari",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Symbola",
)
FONT_FILES = re.compile(r"(DejaVu|Noto|Symbola)[^/]*\.(ttf|otf|ttc)$", re.IGNORECASE)
CELL_INCHES = 0.32
MAX_WIDTH_INCHES = 12.0
MAX_HEIGHT_INCHES = 10.0
MAX_LABELS = 48  # per axis; longer inputs label every k-th piece
TITLE = "Attention of the best output"
BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


@functools.cache
def font_families() -> list[str]:
    """The fallback chain of ``FONT_FAMILIES`` that is installed here.

    matplotlib lists the fonts it found when it first ran (a cache in
    ``~/.cache/matplotlib``); fonts installed since are added here, or a machine
    given the Noto fonts after that would still draw empty boxes.
    """
    manager = font_manager.fontManager
    if not set(FONT_FAMILIES) <= {font.name for font in manager.ttflist}:
        known = {font.fname for font in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known and FONT_FILES.search(path):
                # a bitmap font (colour emoji) or a damaged file is skipped
                with contextlib.suppress(OSError, RuntimeError, ValueError):
                    manager.addfont(path)
    installed = {font.name for font in manager.ttflist}
    return [family for family in FONT_FAMILIES if family in installed] or ["sans-serif"]


@functools.cache
def drawable_characters() -> frozenset[int]:
    """The code points some font of ``font_families()`` has a glyph for."""
    codes: set[int] = set()
    for family in font_families():
        path = font_manager.findfont(font_manager.FontProperties(family=family))
        codes |= ft2font.FT2Font(str(Path(path))).get_charmap().keys()
    return frozenset(codes)


def drawable(label: str) -> str:
    """``label`` with every character no installed font can draw shown as its code
    point (``U+1F99C``), or left out if it is a mark or invisible: matplotlib would
    draw an empty box and log a warning for each."""
    covered = drawable_characters()
    return "".join(
        char if ord(char) in covered or char.isspace() else _stand_in(char)
        for char in label
    )


def _stand_in(char: str) -> str:
    if unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc", "Cs", "Co", "Cn"):
        return ""
    return f"U+{ord(char):04X}"


def readable_pieces(pieces: list[str]) -> list[str]:
    """Labels for ``pieces``, one each, with byte-fallback pieces made readable.

    A character outside the vocabulary is encoded as its UTF-8 bytes
    (``<0xE4> <0xBD> <0xA0>``); the first byte is labelled with the character and
    the rest with ``·``, so the labels still line up with the attention columns.
    """
    values = [_byte_value(piece) for piece in pieces]
    labels = list(pieces)
    i = 0
    while i < len(values):
        lead = values[i]
        if lead is None:
            i += 1
            continue
        n = 1
        while (
            n < _utf8_length(lead) and i + n < len(values) and _continues(values[i + n])
        ):
            n += 1
        char = bytes(values[i : i + n]).decode("utf-8", errors="replace")
        if char.isprintable() and not char.isspace() and "\ufffd" not in char:
            labels[i : i + n] = [char] + ["·"] * (n - 1)
        i += n
    return labels


def _byte_value(piece: str) -> int | None:
    match = BYTE_PIECE.fullmatch(piece)
    return int(match.group(1), 16) if match else None


def _utf8_length(lead: int) -> int:
    """Bytes in the UTF-8 sequence that starts with byte ``lead``."""
    return 4 if lead >= 0xF0 else 3 if lead >= 0xE0 else 2 if lead >= 0xC0 else 1


def _continues(value: int | None) -> bool:
    return value is not None and 0x80 <= value < 0xC0


def attention_figure(
    attention: Tensor, source_pieces: list[str], target_pieces: list[str]
) -> Figure:
    """A heat map of ``attention``, source pieces across and output pieces down.

    Args:
        attention: weights of shape (out_len, src_len), rows summing to one.
        source_pieces: labels of the columns (at least src_len of them).
        target_pieces: labels of the rows (at least out_len of them).

    The figure grows with the pieces up to ``MAX_WIDTH_INCHES`` x
    ``MAX_HEIGHT_INCHES``; past ``MAX_LABELS`` pieces only every k-th is labelled.
    """
    out_len, src_len = attention.shape
    width = min(MAX_WIDTH_INCHES, max(4.0, 1.8 + CELL_INCHES * src_len))
    height = min(MAX_HEIGHT_INCHES, max(3.0, 1.6 + CELL_INCHES * out_len))
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots()
    if out_len == 0 or src_len == 0:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "nothing to show", ha="center", va="center")
        return figure
    image = axes.imshow(
        attention.float().numpy(), cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto"
    )
    # parse_math off: a piece such as "$x$" is text, not a formula to typeset
    fonts = {"family": font_families(), "fontsize": 9, "parse_math": False}
    _label_axis(axes.set_xticks, readable_pieces(source_pieces[:src_len]), fonts, 90)
    _label_axis(axes.set_yticks, readable_pieces(target_pieces[:out_len]), fonts, 0)
    axes.set_title(TITLE, fontsize=10)
    axes.set_xlabel("source pieces")
    axes.set_ylabel("output pieces")
    figure.colorbar(image, ax=axes, fraction=0.04, label="attention weight")
    return figure


def _label_axis(set_ticks, labels: list[str], fonts: dict, rotation: int) -> None:
    step = -(-len(labels) // MAX_LABELS)  # ceil: keep at most MAX_LABELS labels
    positions = list(range(0, len(labels), step))
    shown = [drawable(labels[i]) for i in positions]
    set_ticks(positions, shown, rotation=rotation, **fonts)
