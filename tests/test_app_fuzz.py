"""Random strings to every API name of the served demo: zero server errors.

Each text tab and each chat gets the same kinds of strings, drawn with a fixed seed:
any Unicode (astral planes included), control and invisible characters, texts at
and over the length limit, only punctuation, mixed scripts, right to left, stacked
combining marks. Every answer must be text, or a ``gr.Error`` for an input that
deserves one: empty, invisible only, or too long.
"""

from __future__ import annotations

import random
import string
import unicodedata
from collections.abc import Callable

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from s2s_hub.app import chat
from s2s_hub.app.validation import INVISIBLE_CATEGORIES
from s2s_hub.registry import get_task, task_names

SEED = 5
# 200 strings in all; a text tab's answer (n-best and a heat map rendered to PNG)
# costs the server about three times a chat reply
CASES = {"predict": 30, "chat": 110}
BATCH = 16  # in flight at once: below the queue's size, so none is turned away
TASKS = {name: get_task(name) for name in task_names()}
INPUT_ERRORS = {"No text", "No visible text", "Text too long"}
SCRIPTS = [
    "hello world", "Grüße aus Köln", "Привет мир", "Γειά σου κόσμε", "مرحبا بالعالم",
    "שלום עולם", "你好世界", "こんにちは", "नमस्ते दुनिया", "สวัสดีชาวโลก", "안녕하세요",
    "👩‍👩‍👧 🇩🇪 👍🏽", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𓀀𓁐𓂀", "ﬁ ﬀ Å Å",
]  # fmt: skip
CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
INVISIBLES = CONTROLS + list("\u200b\u200c\u200d\u2028\u2029\ufeff\u00a0\u3000")
BIDI = list("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PUNCTUATION = string.punctuation + "“”‘’«»‹›¿¡…—–·•§¶†‡‰′″、。「」！？"


def any_char(rng: random.Random) -> str:
    """A code point from any plane, astral ones as likely as the basic one."""
    plane = rng.choice([0, 0, 1, 2, 3, 14, 15, 16])
    code = plane * 0x10000 + rng.randrange(0x10000)
    is_surrogate = 0xD800 <= code <= 0xDFFF  # not UTF-8: cannot travel as JSON
    return "?" if is_surrogate else chr(code)


def random_unicode(rng: random.Random, limit: int) -> str:
    return "".join(any_char(rng) for _ in range(rng.randint(1, 60)))


def controls(rng: random.Random, limit: int) -> str:
    pool = INVISIBLES + BIDI + list("ab ")
    return "".join(rng.choice(pool) for _ in range(rng.randint(1, 40)))


def invisible_only(rng: random.Random, limit: int) -> str:
    return "".join(rng.choice(INVISIBLES) for _ in range(rng.randint(0, 20)))


def at_or_over_the_limit(rng: random.Random, limit: int) -> str:
    words = " ".join(rng.choice(SCRIPTS) for _ in range(limit // 5))
    return words[: limit + rng.choice([-1, 0, 0, 1, 500])]


def punctuation_only(rng: random.Random, limit: int) -> str:
    return "".join(rng.choice(PUNCTUATION) for _ in range(rng.randint(1, 50)))


def mixed_scripts(rng: random.Random, limit: int) -> str:
    return " ".join(rng.choice(SCRIPTS + BIDI) for _ in range(rng.randint(1, 12)))


def stacked_marks(rng: random.Random, limit: int) -> str:
    marks = [chr(c) for c in range(0x300, 0x370)]
    return "".join(
        letter + "".join(rng.choices(marks, k=rng.randint(1, 30)))
        for letter in rng.choice(SCRIPTS)
    )


KINDS: list[Callable[[random.Random, int], str]] = [
    random_unicode, controls, invisible_only, at_or_over_the_limit,
    punctuation_only, mixed_scripts, stacked_marks,
]  # fmt: skip


def fuzz_texts(limit: int, count: int) -> list[str]:
    rng = random.Random(SEED)
    return [KINDS[i % len(KINDS)](rng, limit) for i in range(count)]


def deserves_an_error(text: str, limit: int) -> bool:
    invisible = all(unicodedata.category(c) in INVISIBLE_CATEGORIES for c in text)
    return len(text) > limit or invisible


def text_call(text: str, i: int) -> tuple:
    method = ("greedy", "beam", "sample")[i % 3]
    return (text, method, 2, 1.0, 1.0, 0, 1.0, 6)


def chat_call(text: str, i: int) -> tuple:
    return (text, [], chat.STYLES[i % len(chat.STYLES)])


def check_answer(name: str, result: tuple) -> None:
    if name.endswith("_chat"):
        history, box = result
        assert box == "" and history[-1]["role"] == "assistant"
        assert history[-1]["content"]  # a string, or text parts
    else:
        output, table, plot = result
        assert isinstance(output, str) and table["data"]


def endpoints() -> list[tuple[str, Callable[[str, int], tuple]]]:
    calls = []
    for name, task in sorted(TASKS.items()):
        if chat.is_chat(task):
            calls.append((f"/{name}_chat", chat_call))
        else:
            calls.append((f"/{name}_predict", text_call))
    return calls


@pytest.fixture(scope="module")
def client(demo_url: str) -> Client:
    return Client(demo_url, verbose=False, max_workers=BATCH)


@pytest.mark.parametrize(("api_name", "make_call"), endpoints())
def test_random_strings_get_text_or_an_input_error(client, api_name, make_call):
    name, action = api_name[1:].rsplit("_", 1)
    task, count = TASKS[name], CASES[action]
    texts = fuzz_texts(task.max_input_chars, count)
    answered = refused = 0
    for start in range(0, len(texts), BATCH):
        chunk = list(enumerate(texts[start : start + BATCH], start))
        jobs = [client.submit(*make_call(t, i), api_name=api_name) for i, t in chunk]
        for (_, text), job in zip(chunk, jobs, strict=True):
            expected_error = deserves_an_error(text, task.max_input_chars)
            try:
                result = job.result(timeout=120)
            except AppError as error:
                assert error.title in INPUT_ERRORS, (text, error.title, str(error))
                assert expected_error, (text, str(error))
                refused += 1
                continue
            assert not expected_error, text
            check_answer(api_name, result)
            answered += 1
    assert answered + refused == count
    assert answered > refused > 0  # both paths were exercised
