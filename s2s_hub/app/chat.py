"""The chat actions: reply to a conversation, and start a new one.

History goes back in Gradio's messages format, a list of ``{"role": ...,
"content": ...}`` dicts with string content; what arrives is parsed by
``history.parse_history``.
"""

from __future__ import annotations

import dataclasses
import itertools

from s2s_hub.app.history import Message, parse_history
from s2s_hub.app.validation import choice, clean_text
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task
from s2s_hub.search.config import DecodeConfig
from s2s_hub.sources.chitchat import SEPARATOR

# "diverse" samples; "safe" takes beam search's most likely reply, blander but on
# topic and without the made-up words sampling spells (docs/recipes.md).
STYLES = ("diverse", "safe")
EMPTY_REPLY = "…"


def is_chat(task: Task) -> bool:
    """Whether ``task``'s demo is a conversation."""
    return task.demo_kind == "chat"


def default_style(defaults: DecodeConfig) -> str:
    """The style that decodes as the model's defaults do."""
    return "safe" if defaults.method == "beam" else "diverse"


def reply_config(defaults: DecodeConfig, style: str) -> DecodeConfig:
    """One reply's decoding settings: the model's defaults in their own style."""
    base = dataclasses.replace(defaults, n_best=1)
    if style == default_style(defaults):
        return base
    if style == "safe":
        return dataclasses.replace(base, method="beam", beam_size=5)
    return dataclasses.replace(base, method="sample", temperature=0.8, top_p=0.9)


def turns(history: list[Message]) -> list[str]:
    """Speaker turns: consecutive messages of one role joined, as in the data."""
    return [
        " ".join(m["content"] for m in group)
        for _, group in itertools.groupby(history, key=lambda m: m["role"])
    ]


def chat(
    predictor: Predictor, task: Task, message: object, history: object, style: object
) -> tuple[list[Message], str]:
    """Answer ``message`` in the conversation ``history``.

    The model sees the last turns as the task's own pairs are made (for dialogue,
    ``context_turns`` turns joined with `` <sep> ``).

    Returns:
        The history with the message and the reply appended, and an empty string
        that clears the message box.

    Raises:
        gr.Error: for bad text, an unknown style or a malformed history.
    """
    text = clean_text(message, task, "message")
    style = choice(style, STYLES, "reply style")
    history = [*parse_history(history, task), {"role": "user", "content": text}]
    context = SEPARATOR.join(filter(None, turns(history)))
    source = task.make_pair({"source": context, "target": ""}).source
    config = reply_config(predictor.decoding, style)
    reply = predictor.predict([source], config)[0][0].text
    return [*history, {"role": "assistant", "content": reply or EMPTY_REPLY}], ""


def reset() -> tuple[list[Message], str]:
    """An empty conversation and an empty message box."""
    return [], ""
