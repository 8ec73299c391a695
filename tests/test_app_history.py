"""The chat history as it arrives: every documented form parsed into clean messages,
anything else refused with a message naming the history's message and the fault."""

from __future__ import annotations

import re

import gradio as gr
import pytest

from s2s_hub.app.history import MAX_MESSAGES, history_box, parse_history
from s2s_hub.registry import get_task

TASK = get_task("dialogue")
HI = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]


@pytest.mark.parametrize(
    "history",
    [
        pytest.param(HI, id="string-content"),
        pytest.param(
            [
                {"role": "user", "content": [{"type": "text", "text": "hi"}]},
                {"role": "assistant", "content": ["hel", {"text": "lo"}]},
            ],
            id="list-of-parts",
        ),
        pytest.param(
            [
                {"role": "user", "metadata": None, "options": None, "content": "hi"},
                {"role": "assistant", "content": "hello", "metadata": {"title": "x"}},
            ],
            id="gradio-extra-keys",
        ),
        pytest.param([["hi", "hello"]], id="pair"),
        pytest.param((("hi", "hello"),), id="tuple-pair"),
        pytest.param(["hi", "hello"], id="plain-strings"),
        pytest.param([["hi", None], [None, "hello"]], id="pairs-with-a-side-missing"),
    ],
)
def test_every_documented_form_gives_the_same_messages(history):
    parsed = parse_history(history, TASK)
    joined = [{**m, "content": m["content"].replace("hel lo", "hello")} for m in parsed]
    assert joined == HI


def test_history_text_is_cleaned_as_a_message_is():
    history = [
        {"role": "user", "content": "a \ud800 b\x00c\u0007  d"},
        {"role": "assistant", "content": [{"type": "text", "text": "\ud83d"}]},
        {"role": "user", "content": "  \t "},
    ]
    assert parse_history(history, TASK) == [{"role": "user", "content": "a b c d"}]


def test_no_history_is_an_empty_conversation():
    assert parse_history(None, TASK) == parse_history([], TASK) == []


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ("hi there", "must be a list of messages, got the text 'hi there'"),
        ({"role": "user"}, "must be a list of messages, got an object"),
        (5, "must be a list of messages, got the number 5"),
        ([{"role": "system", "content": "x"}], "Message 1 .* role 'system'"),
        ([{"content": "x"}], "Message 1 .* role None"),
        ([HI[0], {"role": "user", "content": None}], "Message 2 .* null as its"),
        ([{"role": "user", "content": {"path": "a.png"}}], "an object as its content"),
        (
            [{"role": "user", "content": [{"type": "file", "file": {"path": "x"}}]}],
            "Message 1 .* a part of type 'file'; the chat takes text only",
        ),
        ([{"role": "user", "content": [7]}], "holds the number 7"),
        ([7], "Message 1 of the chat history is the number 7"),
        ([["a", "b", "c"]], "Message 1 .* is a list; expected"),
        ([["a", 5]], "Message 1 .* is a list; expected"),
        ([None], "Message 1 .* is null"),
        (["x" * 2001], "Message 1 .* 2,001 characters long, but dialogue takes"),
        ([{"role": "user", "content": ["x" * 1500, "y" * 1500]}], "3,001 characters"),
    ],
)
def test_anything_else_is_refused_naming_the_message(history, message):
    with pytest.raises(gr.Error) as refused:
        parse_history(history, TASK)
    assert re.search(message, refused.value.message), refused.value.message


def test_a_refused_value_is_quoted_short_and_escaped():
    with pytest.raises(gr.Error) as refused:
        parse_history([{"role": "<b>" + "x" * 5000, "content": "a"}], TASK)
    assert "&lt;b&gt;" in refused.value.message and "<b>" not in refused.value.message
    assert len(refused.value.message) < 200


def test_only_the_last_messages_are_kept_and_the_visitor_is_told(recwarn):
    history = [f"turn {i}" for i in range(MAX_MESSAGES + 7)]
    history[0] = {"role": "system", "content": "never read"}
    parsed = parse_history(history, TASK)
    assert [m["content"] for m in parsed] == history[7:]
    assert "the 7 before them were left out" in str(recwarn.pop(UserWarning).message)


def test_the_history_box_takes_raw_values_but_shows_clients_gradio_s_schema():
    box = history_box(label="Conversation")
    assert box.data_model is None  # Gradio does not validate what it receives
    assert box.api_info() == gr.Chatbot().api_info()
    assert box.get_block_name() == "chatbot"
