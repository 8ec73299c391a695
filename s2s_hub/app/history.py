"""The chat history a visitor sends, parsed into clean messages.

The history arrives raw from the request: it passes the same cleaning and length
limit as a typed message (``validation.tidy``, ``Task.max_input_chars``), and only
the last ``MAX_MESSAGES`` messages are kept. Forms accepted, as Gradio's chatbot and
its clients send them:

- message dicts ``{"role": "user" | "assistant", "content": ...}``, content a string
  or a list of parts (``{"type": "text", "text": ...}`` or plain strings);
- ``[user, assistant]`` pairs (Gradio's former "tuples" format; None for a side
  that is missing);
- plain strings, taking turns: user, assistant, user ...

Anything else (another role, a file or component, a number) is refused with a
message naming the history's message and what was wrong with it.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from s2s_hub.app.validation import InputError, kind, shown, tidy
from s2s_hub.registry import Task

Message = dict[str, str]
ROLES = ("user", "assistant")
# The model sees the last few turns (dialogue: 2); the rest is what the conversation
# on screen keeps, in entries of the history (a pair is one entry).
MAX_MESSAGES = 20
TITLE = "Bad history"


def history_box(**options: Any) -> gr.Chatbot:
    """A ``gr.Chatbot`` whose value reaches events as sent, for ``parse_history``:
    Gradio's message model takes content only as a list of parts, and would refuse
    with a traceback the string content its own clients send.

    (Not a subclass: Gradio writes a ``.pyi`` file beside the module of every
    component class, which fails where the package is installed read-only.)
    """
    chatbot = gr.Chatbot(**options)
    chatbot.api_info()  # clients still see the schema of gr.Chatbot's value
    chatbot.data_model = None  # what Gradio validates an event's input with
    return chatbot


def parse_history(history: object, task: Task) -> list[Message]:
    """``history`` as user and assistant messages with clean, non-empty text.

    Older messages past the last ``MAX_MESSAGES`` are dropped unread, with a
    warning shown to the visitor.

    Raises:
        gr.Error: for a history in no accepted form; the message says which
            message and why.
    """
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise InputError(
            f"The chat history must be a list of messages, got {kind(history)}.",
            title=TITLE,
        )
    dropped = max(len(history) - MAX_MESSAGES, 0)
    messages: list[Message] = []
    for number, item in enumerate(history[dropped:], start=dropped + 1):
        for role, text in _items(item, number, messages):
            text = _checked(text, number, task)
            if text:
                messages.append({"role": role, "content": text})
    if dropped:
        gr.Warning(
            f"The conversation keeps its last {MAX_MESSAGES} messages; the "
            f"{dropped:,} before them were left out."
        )
    return messages


def _items(item: object, number: int, before: list[Message]) -> list[tuple[str, str]]:
    """The (role, text) of one history entry: a message dict gives one, a pair
    two, a plain string one in the role that takes its turn."""
    if isinstance(item, str):
        speaking = "assistant" if before and before[-1]["role"] == "user" else "user"
        return [(speaking, item)]
    if isinstance(item, dict):
        return [(_role(item, number), _content(item.get("content"), number))]
    if isinstance(item, (list, tuple)) and len(item) == 2:
        sides = zip(ROLES, item, strict=True)
        pair = [(role, text) for role, text in sides if text is not None]
        if all(isinstance(text, str) for _, text in pair):
            return pair
    raise InputError(
        f"Message {number} of the chat history is {kind(item)}; expected a "
        '{"role": ..., "content": ...} message, a [user, assistant] pair or a text.',
        title=TITLE,
    )


def _role(message: dict, number: int) -> str:
    role = message.get("role")
    if role not in ROLES:
        raise InputError(
            f"Message {number} of the chat history has the role {shown(role)}; the "
            f"chat takes {' and '.join(ROLES)} messages only.",
            title=TITLE,
        )
    return role


def _content(content: object, number: int) -> str:
    """The text of a message's content: a string, or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_part(part, number) for part in content)
    raise InputError(
        f"Message {number} of the chat history has {kind(content)} as its content; "
        "the chat takes text only.",
        title=TITLE,
    )


def _part(part: object, number: int) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and part.get("type", "text") == "text":
        text = part.get("text")
        if isinstance(text, str):
            return text
    what = part.get("type") if isinstance(part, dict) else None
    found = f"a part of type {shown(what)}" if isinstance(what, str) else kind(part)
    raise InputError(
        f"Message {number} of the chat history holds {found}; the chat takes text "
        'only (parts {"type": "text", "text": ...}).',
        title=TITLE,
    )


def _checked(text: str, number: int, task: Task) -> str:
    """``text`` tidied as a typed message is, after the same length check."""
    if len(text) > task.max_input_chars:
        raise InputError(
            f"Message {number} of the chat history is {len(text):,} characters "
            f"long, but {task.name} takes at most {task.max_input_chars:,} a "
            "message.",
            title=TITLE,
        )
    return tidy(text)
