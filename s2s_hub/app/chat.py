"""The chat actions: reply to a conversation, and start a new one.

History is Gradio's messages format, a list of ``{"role": ..., "content": ...}``
dicts; content arrives either as a string or as a list of ``{"type": "text", "text":
...}`` parts, and goes back as a string.
"""

from __future__ import annotations

import dataclasses
import itertools

from s2s_hub.app.validation import InputError, choice, clean_text
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task
from s2s_hub.search.config import DecodeConfig
from s2s_hub.sources.chitchat import SEPARATOR

Message = dict[str, str]
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


def message_text(message: object) -> str:
    """The text of one history message; empty for anything that is not text."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def text_history(history: object) -> list[Message]:
    """``history`` as user and assistant messages with string content.

    Raises:
        gr.Error: if ``history`` is not a list of messages.
    """
    if history is None:
        return []
    if not isinstance(history, list):
        raise InputError(
            "The chat history must be a list of messages.", title="Bad history"
        )
    return [
        {"role": message["role"], "content": message_text(message)}
        for message in history
        if isinstance(message, dict) and message.get("role") in ("user", "assistant")
    ]


def turns(history: list[Message]) -> list[str]:
    """Speaker turns: consecutive messages of one role joined, as in the data."""
    return [
        " ".join(m["content"] for m in group if m["content"].strip())
        for _, group in itertools.groupby(history, key=lambda m: m["role"])
    ]


def chat(
    predictor: Predictor, task: Task, message: str, history: object, style: str
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
    text = clean_text(message, task)
    style = choice(style, STYLES, "reply style")
    history = [*text_history(history), {"role": "user", "content": text}]
    context = SEPARATOR.join(filter(None, turns(history)))
    source = task.make_pair({"source": context, "target": ""}).source
    config = reply_config(predictor.decoding, style)
    reply = predictor.predict([source], config)[0][0].text
    return [*history, {"role": "assistant", "content": reply or EMPTY_REPLY}], ""


def reset() -> tuple[list[Message], str]:
    """An empty conversation and an empty message box."""
    return [], ""
