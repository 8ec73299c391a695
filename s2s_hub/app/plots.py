"""The attention heat map: which source pieces each output piece looked at."""

from __future__ import annotations

import functools
import re

from matplotlib import font_manager
from matplotlib.figure import Figure
from torch import Tensor

# Tried in order for every glyph: DejaVu Sans covers Latin, Greek, Cyrillic, Arabic
# and Hebrew; the Noto fonts (Debian's fonts-noto-core / fonts-noto-cjk) add the
# scripts it lacks when they are installed.
FONT_FAMILIES = (
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Symbols2",
)
CELL_INCHES = 0.32
MAX_WIDTH_INCHES = 12.0
MAX_HEIGHT_INCHES = 10.0
MAX_LABELS = 48  # per axis; longer inputs label every k-th piece
BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


@functools.cache
def font_families() -> list[str]:
    """The fallback chain of ``FONT_FAMILIES`` that is installed here."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [family for family in FONT_FAMILIES if family in installed] or ["sans-serif"]


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
    fonts = {"family": font_families(), "fontsize": 9}
    _label_axis(axes.set_xticks, readable_pieces(source_pieces[:src_len]), fonts, 90)
    _label_axis(axes.set_yticks, readable_pieces(target_pieces[:out_len]), fonts, 0)
    axes.set_xlabel("source pieces")
    axes.set_ylabel("output pieces")
    figure.colorbar(image, ax=axes, fraction=0.04, label="attention weight")
    return figure


def _label_axis(set_ticks, labels: list[str], fonts: dict, rotation: int) -> None:
    step = -(-len(labels) // MAX_LABELS)  # ceil: keep at most MAX_LABELS labels
    positions = list(range(0, len(labels), step))
    set_ticks(positions, [labels[i] for i in positions], rotation=rotation, **fonts)
