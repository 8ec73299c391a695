"""The heat map's fonts: every script drawn where the machine has a font for it,
and what no font can draw shown as its code point, without a warning."""

from __future__ import annotations

import warnings
from io import BytesIO

import pytest
import torch
from matplotlib import font_manager

from s2s_hub.app import plots
from s2s_hub.app.plots import attention_figure, drawable, font_families

SCRIPTS = {
    "Noto Sans CJK JP": "你好世界",
    "Noto Sans Thai": "สวัสดี",
    "Noto Sans Devanagari": "नमस्ते",
    "Noto Sans Arabic": "مرحبا",
    "Symbola": "👍",
}
NEWER_EMOJI = ["🦜", "🩰", "\U0001fae0"]  # Unicode 11 to 14: few fonts have them


def installed(family: str) -> bool:
    return any(font.name == family for font in font_manager.fontManager.ttflist)


@pytest.fixture(autouse=True)
def fresh_font_caches():
    plots.font_families.cache_clear()
    plots.drawable_characters.cache_clear()
    yield
    plots.font_families.cache_clear()
    plots.drawable_characters.cache_clear()


def draw(labels: list[str]) -> list[warnings.WarningMessage]:
    figure = attention_figure(torch.full((1, len(labels)), 0.5), labels, ["a"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(BytesIO(), format="png")
    return list(caught)


def test_every_script_draws_without_a_glyph_warning():
    labels = [*SCRIPTS.values(), *NEWER_EMOJI, "$x$", "a\u0301", "\U000e0001"]
    assert [str(w.message) for w in draw(labels)] == []


def test_a_character_no_font_has_shows_as_its_code_point():
    missing = [c for c in NEWER_EMOJI if ord(c) not in plots.drawable_characters()]
    if not missing:
        pytest.skip("this machine has fonts for every emoji tried")
    assert drawable(f"a{missing[0]}b") == f"aU+{ord(missing[0]):X}b"
    assert drawable("a\U000e0001b") == "ab"  # an invisible tag character: left out
    assert drawable("$x$ ▁Haus") == "$x$ ▁Haus"


@pytest.mark.parametrize(("family", "text"), SCRIPTS.items())
def test_installed_fonts_join_the_fallback_chain(family, text):
    font_families()  # registers fonts installed after matplotlib's cache
    if not installed(family):
        pytest.skip(f"{family} is not installed here (packages.txt installs it)")
    assert family in font_families()
    assert drawable(text) == text


def test_fonts_installed_after_matplotlib_cached_its_list_are_found(monkeypatch):
    manager = font_manager.fontManager
    font_families()
    noto = [f for f in manager.ttflist if f.name.startswith("Noto Sans")]
    if not noto:
        pytest.skip("no Noto font installed here")
    others = [f for f in manager.ttflist if not f.name.startswith("Noto Sans")]
    monkeypatch.setattr(manager, "ttflist", others)  # as a stale cache lists them
    plots.font_families.cache_clear()
    assert {f.name for f in noto} & set(font_families())
