"""Checks of what a visitor sends, failing with a ``gr.Error`` a person can act on.

Everything here runs on the server, on the raw values of the request (the events
skip Gradio's own preprocessing): the browser's length limit and slider bounds are
conveniences that any API client can skip. Every message names the control or
parameter it is about.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import math
import unicodedata
from dataclasses import dataclass

import gradio as gr

from s2s_hub.registry import Task
from s2s_hub.search.config import METHODS, DecodeConfig

log = logging.getLogger(__name__)

# Control, format, surrogate and separator characters show nothing on their own.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"}
SHOWN_CHARS = 40  # of a refused value, in a message


class InputError(gr.Error):
    """A ``gr.Error`` about what the visitor sent: shown to them, and logged as
    one line (not as a server fault with a traceback)."""

    def __init__(self, message: str, title: str = "Error") -> None:
        super().__init__(message, title=title, print_exception=False)
        log.warning("refused: %s: %s", title, html.unescape(message))


def shown(value: object) -> str:
    """``value`` as a message may quote it: its repr, cut short and HTML-escaped."""
    try:
        text = repr(value)
    except ValueError:  # an int of more digits than Python prints
        text = "a very long number"
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return html.escape(text, quote=False)


def kind(value: object) -> str:
    """What ``value`` is, for a message: ``a list``, ``the number 5``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {shown(value)}"
    if isinstance(value, (int, float)):
        return f"the number {shown(value)}"
    if isinstance(value, str):
        return f"the text {shown(value)}"
    name = {dict: "an object", list: "a list", tuple: "a list"}.get(type(value))
    return name or f"a {type(value).__name__}"


def tidy(text: str) -> str:
    """``text`` as the tokenizer gets it: control characters (NUL included) become
    spaces, lone surrogates (which cannot be encoded as UTF-8) are removed, and
    runs of whitespace become one space. Format characters such as the zero-width
    joiner of emoji sequences are kept."""
    return " ".join("".join(_printable(char) for char in text).split())


def _printable(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":
        return " "
    if category == "Cs":
        return ""
    return char


def clean_text(text: object, task: Task, name: str = "text") -> str:
    """The visitor's text, checked and tidied for the tokenizer (``tidy``).

    The length is checked first, so no work is spent on a text that is refused.

    Raises:
        gr.Error: for no text, a value that is not text, text over
            ``task.max_input_chars``, or text made only of whitespace, control and
            invisible characters.
    """
    if text is None or text == "":
        raise InputError(
            f"Please type some text for {task.name} first.", title="No text"
        )
    if not isinstance(text, str):
        raise InputError(
            f"The {name} must be text, got {kind(text)}.", title="Not text"
        )
    if len(text) > task.max_input_chars:
        raise InputError(
            f"The {name} is {len(text):,} characters long, but {task.name} takes at "
            f"most {task.max_input_chars:,}. Please shorten it.",
            title="Text too long",
        )
    cleaned = tidy(text)
    if not any(unicodedata.category(c) not in INVISIBLE_CATEGORIES for c in cleaned):
        raise InputError(
            f"The {name} has only spaces or invisible control characters; please "
            "type some words.",
            title="No visible text",
        )
    return cleaned


@dataclass(frozen=True)
class NumberControl:
    """A numeric decoding control: its slider in the demo and its check here."""

    name: str  # as messages name it
    label: str  # as the slider shows it
    minimum: float
    maximum: float
    step: float
    whole: bool = False

    def check(self, value: object) -> float | int:
        """``value`` if it is a number in range (whole if need be), else a
        ``gr.Error`` naming the control."""
        title = f"Invalid {self.name}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(
                f"The {self.name} must be a number, got {kind(value)}.", title=title
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(
                f"The {self.name} must be a finite number, got {shown(value)}.",
                title=title,
            )
        if not self.minimum <= value <= self.maximum:
            raise InputError(
                f"The {self.name} must be between {self.minimum:g} and "
                f"{self.maximum:g}, got {shown(value)}.",
                title=title,
            )
        if self.whole:
            if not float(value).is_integer():
                raise InputError(
                    f"The {self.name} must be a whole number, got {shown(value)}.",
                    title=title,
                )
            return int(value)
        return float(value)


MAX_BEAM = 10
MAX_TOP_K = 100
MAX_LENGTH = 200


def decoding_controls(default: DecodeConfig) -> dict[str, NumberControl]:
    """The numeric controls of a text tab, by ``DecodeConfig`` field, in the order
    ``decode_config`` takes them; ranges reach the model's own defaults."""
    return {
        "beam_size": NumberControl(
            "beam size", "Beam size (samples drawn when sampling)", 1, MAX_BEAM, 1, True
        ),
        "length_penalty": NumberControl("length penalty", "Length penalty", 0, 3, 0.1),
        "temperature": NumberControl("temperature", "Temperature", 0.05, 2, 0.05),
        "top_k": NumberControl(
            "top-k", "Top-k (0: off)", 0, max(MAX_TOP_K, default.top_k), 1, True
        ),
        "top_p": NumberControl("top-p", "Top-p", 0.05, 1, 0.05),
        "max_length": NumberControl(
            "maximum length",
            "Maximum length (tokens)",
            1,
            max(MAX_LENGTH, default.max_length),
            1,
            True,
        ),
    }


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
        gr.Error: for an unknown method, or a value that is missing, not a number
            or out of its control's range (the message names the control), or
            settings ``DecodeConfig`` rejects.
    """
    base = base or DecodeConfig()
    method = choice(method, METHODS, "decoding method")
    values = (beam_size, length_penalty, temperature, top_k, top_p, max_length)
    settings = {
        field: control.check(value)
        for (field, control), value in zip(
            decoding_controls(base).items(), values, strict=True
        )
    }
    settings["method"] = method
    settings["n_best"] = 1 if method == "greedy" else settings["beam_size"]
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


def choice(value: object, allowed: tuple[str, ...], name: str) -> str:
    """``value`` if it is one of ``allowed``, else a ``gr.Error`` naming the
    control and its options."""
    if not isinstance(value, str) or value not in allowed:
        raise InputError(
            f"Unknown {name} {shown(value)}; choose one of {', '.join(allowed)}.",
            title=f"Unknown {name}",
        )
    return value
