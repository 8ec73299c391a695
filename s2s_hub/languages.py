"""What a language code tells the toolkit: a name to show, the direction its script
runs, and how much of its alphabet a tokenizer must keep.

Codes are BCP 47 tags or their underscore spelling (``"de"``, ``"zh-Hans"``,
``"pt_BR"``); only the primary subtag is read. A code missing from the tables below
is still a valid label: it is shown as it is, written left to right, with every
character kept.
"""

from __future__ import annotations

import re

NAMES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sv": "Swedish",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
# Languages written right to left (Arabic, Hebrew, Thaana and Syriac scripts).
RIGHT_TO_LEFT = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ku", "ps", "sd", "syr", "ug", "ur", "yi"}
)
# Scripts with thousands of characters: SentencePiece's usual 0.9995 coverage lets
# the rarest fall back to bytes (or <unk>) instead of taking a piece each.
LARGE_ALPHABETS = frozenset({"ja", "ko", "zh", "yue"})
# Languages written without spaces between words (or sentences).
UNSPACED = frozenset({"ja", "km", "lo", "my", "th", "yue", "zh"})
LARGE_ALPHABET_COVERAGE = 0.9995


def primary(code: str) -> str:
    """The primary subtag, lowercased: ``"zh-Hans"`` -> ``"zh"``."""
    return re.split(r"[-_]", code.strip().lower())[0]


def language_name(code: str) -> str:
    """``"fr"`` -> ``"French"``; a code the table lacks is its own name."""
    return NAMES.get(primary(code), code)


def is_right_to_left(code: str) -> bool:
    return primary(code) in RIGHT_TO_LEFT


def is_unspaced(code: str) -> bool:
    """Whether the language writes words (and sentences) without spaces between."""
    return primary(code) in UNSPACED


def character_coverage(*codes: str) -> float:
    """SentencePiece's ``character_coverage`` for a vocabulary shared by ``codes``:
    0.9995 when one of them has a large alphabet (Chinese, Japanese, Korean), else
    1.0 (every character of a small alphabet earns its piece)."""
    if any(primary(code) in LARGE_ALPHABETS for code in codes if code):
        return LARGE_ALPHABET_COVERAGE
    return 1.0
