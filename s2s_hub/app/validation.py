"""Checks of what a visitor sends, failing with a ``gr.Error`` a person can act on.

Everything here runs on the server: the browser's length limit and slider bounds are
conveniences that any API client can skip.
"""

from __future__ import annotations

import dataclasses
import html
import math
import unicodedata

import gradio as gr

from s2s_hub.registry import Task
from s2s_hub.search.config import METHODS, DecodeConfig

# Control, format, surrogate and separator characters show nothing on their own.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"}


class InputError(gr.Error):
    """A ``gr.Error`` about what the visitor sent: shown to them, not logged as a
    server fault."""

    def __init__(self, message: str, title: str = "Error") -> None:
        super().__init__(message, title=title, print_exception=False)


def clean_text(text: object, task: Task) -> str:
    """The visitor's text, checked and tidied for the tokenizer.

    Control characters become spaces, lone surrogates (which cannot be encoded as
    UTF-8) become U+FFFD, and runs of whitespace become one space. Format
    characters such as the zero-width joiner of emoji sequences are kept.

    Raises:
        gr.Error: for no text, text over ``task.max_input_chars``, or text made
            only of whitespace and control characters.
    """
    if text is None or text == "":
        raise InputError(
            f"Please type some text for {task.name} first.", title="No text"
        )
    if not isinstance(text, str):
        raise InputError("The input must be text.", title="Not text")
    if len(text) > task.max_input_chars:
        raise InputError(
            f"The text is {len(text):,} characters long, but {task.name} takes at "
            f"most {task.max_input_chars:,}. Please shorten it.",
            title="Text too long",
        )
    if all(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in text):
        raise InputError(
            "The text has only spaces or invisible control characters; please type "
            "some words.",
            title="No visible text",
        )
    return " ".join("".join(_printable(char) for char in text).split())


def _printable(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":
        return " "
    if category == "Cs":
        return "\ufffd"
    return char


def decode_config(
    method: object,
    beam_size: object,
    length_penalty: object,
    temperature: object,
    top_k: object,
    top_p: object,
    max_length: object,
    base: DecodeConfig | None = None,
) -> DecodeConfig:
    """Decoding settings from the demo's controls, over the task's own ``base``.

    ``beam_size`` is the number of hypotheses shown: beams for beam search, draws
    for sampling; greedy search gives one.

    Raises:
        gr.Error: for an unknown method, a missing or non-numeric value, or
            settings ``DecodeConfig`` rejects; the message lists every problem.
    """
    method = choice(method, METHODS, "decoding method")
    size = _whole_number(beam_size, "beam size")
    settings = {
        "method": method,
        "beam_size": size,
        "n_best": 1 if method == "greedy" else size,
        "length_penalty": _number(length_penalty, "length penalty"),
        "temperature": _number(temperature, "temperature"),
        "top_k": _whole_number(top_k, "top-k"),
        "top_p": _number(top_p, "top-p"),
        "max_length": _whole_number(max_length, "maximum length"),
    }
    base = base or DecodeConfig()
    # the task's minimum length must not outgrow a shorter maximum chosen here
    settings["min_length"] = min(base.min_length, settings["max_length"])
    try:
        return dataclasses.replace(base, **settings)
    except ValueError as error:
        # safe to show as HTML: by now the message holds only our words and numbers
        problems = str(error).removeprefix("invalid decoding settings: ")
        raise InputError(
            f"These decoding settings do not work: {problems}.",
            title="Invalid decoding settings",
        ) from error


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(
            f"The {name} must be a number.", title="Invalid decoding settings"
        )
    if not math.isfinite(value):
        raise InputError(
            f"The {name} must be a finite number.", title="Invalid decoding settings"
        )
    return float(value)


def _whole_number(value: object, name: str) -> int:
    number = _number(value, name)
    if not number.is_integer():
        raise InputError(
            f"The {name} must be a whole number, got {number:g}.",
            title="Invalid decoding settings",
        )
    return int(number)


def choice(value: object, allowed: tuple[str, ...], name: str) -> str:
    """``value`` if it is one of ``allowed``, else a ``gr.Error`` naming the options."""
    if value not in allowed:
        raise InputError(
            f"Unknown {name} {html.escape(repr(value), quote=False)}; choose one of "
            f"{', '.join(allowed)}.",
            title=f"Unknown {name}",
        )
    return str(value)
