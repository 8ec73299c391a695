"""BYU's Chit-Chat Challenge conversations (PyPI ``chitchat-dataset``, MIT).

``dataset.json`` maps a conversation id to ``{"messages": [[message, ...], ...]}``:
each inner list is one turn, the consecutive messages of one speaker. A turn becomes
one utterance; each utterance after the first is a reply to the turns before it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

SEPARATOR = " <sep> "
URL_OR_EMAIL = re.compile(
    r"https?://|www\.|\b[\w.+-]+@[\w-]+\.\w|\b\w+\.(com|org|net)\b"
)
# A short list is enough for informal chat: it catches the common slurs and
# obscenities; milder words (damn, crap) are kept as ordinary informal speech.
PROFANITY = re.compile(
    r"\b(fuck\w*|motherf\w*|shit\w*|bitch\w*|cunts?|assholes?|bastards?|sluts?|"
    r"whores?|nigg\w*|fags?|faggots?|retards?|dicks?|cocks?|puss(y|ies)|porn\w*|"
    r"rap(e|ed|ist)|wtf|stfu)\b",
    re.IGNORECASE,
)


def dataset_path() -> Path:
    """``dataset.json`` of the installed ``chitchat_dataset`` package."""
    try:
        import chitchat_dataset
    except ImportError as error:
        raise ImportError(
            "the dialogue data needs `pip install chitchat-dataset`"
        ) from error
    return Path(chitchat_dataset.__file__).parent / "dataset.json"


def _turns(conversation: dict) -> list[str]:
    texts = (" ".join(m["text"] for m in turn) for turn in conversation["messages"])
    return [re.sub(r"\s+", " ", text).strip() for text in texts]


def _is_clean(text: str) -> bool:
    return not (URL_OR_EMAIL.search(text) or PROFANITY.search(text))


def read_exchanges(
    path: Path | None = None, context_turns: int = 2
) -> Iterator[dict[str, str]]:
    """``{"source", "target", "conversation"}``: up to ``context_turns`` turns -> reply.

    Context turns are joined with ``<sep>``. A pair is dropped when its context or
    reply has a URL, an e-mail address or a profanity, or an empty turn.
    """
    if context_turns < 1:
        raise ValueError(f"context_turns must be >= 1, got {context_turns}")
    with open(path or dataset_path(), encoding="utf-8") as handle:
        conversations = json.load(handle)
    for conversation_id, conversation in conversations.items():
        turns = _turns(conversation)
        usable = [bool(turn) and _is_clean(turn) for turn in turns]
        for index in range(1, len(turns)):
            start = max(0, index - context_turns)
            if all(usable[start : index + 1]):
                yield {
                    "source": SEPARATOR.join(turns[start:index]),
                    "target": turns[index],
                    "conversation": conversation_id,
                }
