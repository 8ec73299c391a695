"""Seeded fuzz and abuse inputs to every endpoint of the demo: zero server errors.

Two ways in, with the same seeded generators:

- ``test_endpoint_functions_answer_or_refuse_every_input``: 814 inputs to the
  functions the demo's endpoints run (taken from the built demo's events, so they
  are exactly what a request reaches), the bulk of the suite: text of any kind
  (any plane of Unicode, lone surrogates, control and bidi characters, texts at and
  over the limit), chat histories in every accepted form and many refused ones, and
  every decoding parameter and reply style, valid or not (numbers out of range,
  strings, null, NaN, booleans, lists).
- ``test_raw_http_bodies_never_make_a_server_error``: 224 raw HTTP bodies against
  the running app: 200 of the same generated inputs, and 24 that no client builds
  (lone surrogates and NaN in the JSON, too few values, bodies over the size limit
  and objects by the hundred thousand under it, nesting past the parser's depth,
  numbers of 5,000 digits, an unknown API name, broken JSON).

Every input must be answered with clean text (no U+FFFD, control characters or
lone surrogates), or refused with a short, one-line message; for generated inputs,
the message names the first faulty value. The server log holds no traceback, the
server still answers afterwards, and the worst request's memory stays bounded.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import httpx
import pandas as pd
import pytest
from gradio.components.plot import PlotData

from s2s_hub.app import build_demo, chat, launch
from s2s_hub.app.guard import MAX_REQUEST_BYTES
from s2s_hub.app.history import MAX_MESSAGES
from s2s_hub.app.validation import INVISIBLE_CATEGORIES, decoding_controls
from s2s_hub.registry import get_task, task_names
from s2s_hub.search.config import METHODS

SEED = 5
# a text tab's answer (n-best and a heat map rendered to PNG) costs the server
# about five times a chat reply: most of the chat's inputs are refused cheaply
DIRECT_CASES = {"predict": 80, "chat": 700, "compare": 10, "reset": 24}
HTTP_CASES = {"predict": 50, "chat": 120, "compare": 6, "reset": 24}
TASKS = {name: get_task(name) for name in task_names()}
SCRIPTS = [
    "hello world", "Grüße aus Köln", "Привет мир", "Γειά σου κόσμε", "مرحبا بالعالم",
    "שלום עולם", "你好世界", "こんにちは", "नमस्ते दुनिया", "สวัสดีชาวโลก", "안녕하세요",
    "👩‍👩‍👧 🇩🇪 👍🏽", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𓀀𓁐𓂀", "ﬁ ﬀ Å Å",
]  # fmt: skip
CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]
INVISIBLES = CONTROLS + SURROGATES + list("\u200b\u200c\u200d\u2028\u2029\ufeff\u3000")
BIDI = list("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PUNCTUATION = string.punctuation + "“”‘’«»‹›¿¡…—–·•§¶†‡‰′″、。「」！？"
NOT_VALUES = [
    None, "", "5", "beam", "NaN", True, False, [], [1], {}, {"value": 1},
    math.nan, math.inf, -math.inf, 10**30, -(10**30), 1e308,
]  # fmt: skip
TITLES = {  # of the refusals a generated input may deserve
    "No text", "No visible text", "Text too long", "Not text", "Bad history",
    "Unknown decoding method", "Unknown reply style", "Invalid decoding settings",
}  # fmt: skip


# --- generators: text ---------------------------------------------------------------


def any_char(rng: random.Random) -> str:
    """A code point from any plane, astral ones as likely as the basic one, lone
    surrogates included (no client can send them as UTF-8; raw JSON can)."""
    plane = rng.choice([0, 0, 1, 2, 3, 14, 15, 16])
    return chr(plane * 0x10000 + rng.randrange(0x10000))


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


def not_text(rng: random.Random, limit: int) -> object:
    return rng.choice([5, 2.5, True, ["a"], {"text": "a"}, None])


TEXT_KINDS: list[Callable[[random.Random, int], object]] = [
    random_unicode, controls, invisible_only, at_or_over_the_limit,
    punctuation_only, mixed_scripts, stacked_marks, not_text,
]  # fmt: skip


def a_text(rng: random.Random, limit: int) -> object:
    return rng.choice(TEXT_KINDS)(rng, limit)


def text_fault(text: object, limit: int) -> str | None:
    """The title of the refusal ``text`` deserves as a message, if any."""
    if text is None or text == "":
        return "No text"
    if not isinstance(text, str):
        return "Not text"
    if len(text) > limit:
        return "Text too long"
    if all(unicodedata.category(c) in INVISIBLE_CATEGORIES for c in text):
        return "No visible text"
    return None


# --- generators: history --------------------------------------------------------------


@dataclass
class History:
    """A generated history and the number of its first faulty message (if any,
    counted from 1 as the refusal names it)."""

    value: object
    fault: int | None = None


def history_text(rng: random.Random, limit: int) -> str:
    text = rng.choice(TEXT_KINDS[:-1])(rng, limit)
    return text if rng.random() < 0.97 else "x" * (limit + 1)


def good_entry(rng: random.Random, limit: int, role: str) -> object:
    text = history_text(rng, limit)
    form = rng.choice(["string", "parts", "gradio", "pair", "plain"])
    if form == "string":
        return {"role": role, "content": text}
    if form == "parts":
        cut = rng.randint(0, len(text))
        parts = [{"type": "text", "text": text[:cut]}, text[cut:]]
        return {"role": role, "content": parts}
    if form == "gradio":
        return {"role": role, "metadata": None, "options": None, "content": [text]}
    if form == "pair":
        return [text, rng.choice([None, "ok"])]
    return text


BAD_ENTRIES = [
    {"role": "system", "content": "be nice"},
    {"role": "tool", "content": "x"},
    {"content": "no role"},
    {"role": "user", "content": None},
    {"role": "user", "content": 5},
    {"role": "user", "content": {"path": "/etc/passwd"}},
    {"role": "user", "content": [{"type": "file", "file": {"path": "x.png"}}]},
    {"role": "user", "content": [{"type": "text", "text": 5}]},
    {"role": "user", "content": [["nested"]]},
    ["a", "b", "c"],
    ["a", 5],
    [],
    5,
    2.5,
    True,
    None,
]


def a_history(rng: random.Random, limit: int) -> History:
    kind = rng.random()
    if kind < 0.05:
        return History(rng.choice(["hi", 5, {"role": "user"}, True]), fault=0)
    if kind < 0.10:
        return History(rng.choice([None, []]))
    size = rng.choice([1, 2, 3, 6, 12, MAX_MESSAGES + rng.randint(1, 30)])
    entries, roles = [], ["user", "assistant"]
    for i in range(size):
        entries.append(good_entry(rng, limit, roles[i % 2]))
    if rng.random() < 0.35:
        entries[rng.randrange(size)] = rng.choice(BAD_ENTRIES)
    return History(entries, fault=first_fault(entries, limit))


def first_fault(entries: list, limit: int) -> int | None:
    """The number of the first entry ``parse_history`` must refuse, if any."""
    dropped = max(len(entries) - MAX_MESSAGES, 0)
    for number, entry in enumerate(entries[dropped:], start=dropped + 1):
        if entry in BAD_ENTRIES or entry is None:
            return number
        text = entry if isinstance(entry, str) else None
        if isinstance(entry, dict):
            content = entry["content"]
            text = content if isinstance(content, str) else ""
            if isinstance(content, list):
                text = "".join(p if isinstance(p, str) else p["text"] for p in content)
                text += " " * (len(content) - 1)  # parts are joined by spaces
        elif isinstance(entry, list):
            text = max(entry, key=lambda t: len(t or ""))
        if text is not None and len(text) > limit:
            return number
    return None


# --- generators: parameters -----------------------------------------------------------


def a_choice(rng: random.Random, allowed: tuple[str, ...]) -> tuple[object, bool]:
    """A value for a radio, and whether it is one of ``allowed``."""
    if rng.random() < 0.85:
        return rng.choice(allowed), True
    return rng.choice([*NOT_VALUES, "BEAM", "beam\x00", "viterbi", ["beam"]]), False


def a_number(rng: random.Random, control) -> tuple[object, bool]:
    """A value for a slider, and whether its control takes it."""
    if rng.random() < 0.9:
        steps = int((control.maximum - control.minimum) / control.step)
        value = control.minimum + control.step * rng.randint(0, min(steps, 12))
        return (round(value) if control.whole else value), True
    bad = [
        *NOT_VALUES,
        control.minimum - control.step,
        control.maximum + 1,
        *([control.minimum + 0.5] if control.whole else []),
    ]
    return rng.choice(bad), False


# --- the calls ------------------------------------------------------------------------


@dataclass
class Call:
    """One generated input: the endpoint's arguments, and the refusal it deserves
    (a title and words the message must hold), or None if it must be answered."""

    api_name: str
    args: tuple
    title: str | None = None
    words: str = ""


def predict_call(rng: random.Random, name: str) -> Call:
    task = TASKS[name]
    text = a_text(rng, task.max_input_chars)
    method, method_ok = a_choice(rng, METHODS)
    numbers = []
    first_bad = None
    for control in decoding_controls(task.decoding).values():
        value, ok = a_number(rng, control)
        if control.name == "maximum length" and ok:
            value = min(value, 8)  # keep answered calls quick
        numbers.append(value)
        first_bad = first_bad or (None if ok else control.name)
    call = Call(f"{name}_predict", (text, method, *numbers))
    if fault := text_fault(text, task.max_input_chars):
        call.title = fault
    elif not method_ok:
        call.title, call.words = "Unknown decoding method", "choose one of"
    elif first_bad:
        call.title, call.words = f"Invalid {first_bad}", f"The {first_bad} must be"
    return call


def chat_call(rng: random.Random, name: str) -> Call:
    task = TASKS[name]
    text = a_text(rng, task.max_input_chars)
    history = a_history(rng, task.max_input_chars)
    style, style_ok = a_choice(rng, chat.STYLES)
    call = Call(f"{name}_chat", (text, history.value, style))
    if fault := text_fault(text, task.max_input_chars):
        call.title = fault
    elif not style_ok:
        call.title, call.words = "Unknown reply style", "choose one of"
    elif history.fault == 0:
        call.title, call.words = "Bad history", "must be a list of messages"
    elif history.fault:
        call.title, call.words = "Bad history", f"Message {history.fault} of"
    return call


def compare_call(rng: random.Random, name: str) -> Call:
    text = a_text(rng, TASKS[name].max_input_chars)
    return Call(
        f"{name}_compare", (text,), text_fault(text, TASKS[name].max_input_chars)
    )


def reset_call(rng: random.Random, name: str) -> Call:
    return Call(f"{name}_reset", ())


MAKERS = {
    "predict": predict_call,
    "chat": chat_call,
    "compare": compare_call,
    "reset": reset_call,
}


def generated_calls(api_names: list[str], counts: dict[str, int]) -> list[Call]:
    """``counts[action]`` calls per action, spread over its endpoints, seeded."""
    rng = random.Random(SEED)
    calls = []
    for action, count in counts.items():
        names = sorted(n.rsplit("_", 1)[0] for n in api_names if n.endswith(action))
        calls += [MAKERS[action](rng, names[i % len(names)]) for i in range(count)]
    return calls


# --- checks ---------------------------------------------------------------------------


def assert_clean(text: object) -> None:
    """Text a visitor may be shown: no U+FFFD, control character or lone surrogate
    (which no JSON response can carry as UTF-8)."""
    assert isinstance(text, str)
    assert "\ufffd" not in text, text
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in text), text
    text.encode("utf-8")


def assert_readable(message: object) -> None:
    """A refusal a person can read: one short line, no traceback."""
    assert isinstance(message, str) and message.strip(), message
    assert "\n" not in message and len(message) < 400, message
    assert "Traceback" not in message and "Error(" not in message, message


def check_answer(api_name: str, result: object) -> None:
    action = api_name.rsplit("_", 1)[1]
    if action == "predict":
        output, table, plot = result
        assert_clean(output)
        assert isinstance(table, pd.DataFrame) and len(table) >= 1
        for text in table["output"]:
            assert_clean(text)
        assert isinstance(plot, PlotData)
    elif action == "chat":
        history, box = result
        assert box == "" and history[-1]["role"] == "assistant"
        assert len(history) <= 2 * MAX_MESSAGES + 2  # pairs are two messages
        for message in history:
            assert message["role"] in ("user", "assistant")
            assert_clean(message["content"])
            assert message["content"].strip()
    elif action == "compare":
        assert len(result) % 3 == 0
        for text in result[::3]:
            assert_clean(text)
    else:
        assert result == ([], "")


def check_refusal(call: Call, error: gr.Error) -> None:
    assert_readable(error.message)
    assert not error.print_exception  # one log line, not a traceback
    assert error.title == call.title, (call, error.title, error.message)
    assert call.words in error.message, (call, error.message)


# --- direct calls ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fast_models(toy_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An ``S2S_HUB_MODELS`` value serving the toy model for every task (reverse
    twice, for the Compare tab), its decoding defaults cut to 6 tokens: the suite
    tests what comes in, not how long the model talks."""
    folders = []
    for name in ("fast-a", "fast-b"):
        folder = tmp_path_factory.mktemp("fuzz") / name
        shutil.copytree(toy_model_dir, folder)
        config = json.loads((folder / "config.json").read_text())
        config["decoding"]["max_length"] = 6
        (folder / "config.json").write_text(json.dumps(config))
        folders.append(folder)
    spec = [f"{name}={folders[0]}" for name in task_names()]
    return ",".join([*spec, f"reverse={folders[1]}"])


@pytest.fixture(scope="module")
def demo(fast_models: str) -> gr.Blocks:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("S2S_HUB_MODELS", fast_models)
        return build_demo()


@pytest.fixture(scope="module")
def url(demo: gr.Blocks) -> Iterator[str]:
    """The same demo served on a free local port (Gradio finds one), as ``app.py``
    serves it."""
    launch(demo, server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    yield demo.local_url
    demo.close()


def endpoint_functions(demo: gr.Blocks) -> dict[str, Callable]:
    return {
        fn.api_name: fn.fn
        for fn in demo.fns.values()
        if fn.api_name and fn.api_visibility == "public"
    }


def test_endpoint_functions_answer_or_refuse_every_input(demo, recwarn):
    functions = endpoint_functions(demo)
    calls = generated_calls(list(functions), DIRECT_CASES)
    assert len(calls) >= 800 and {c.api_name for c in calls} == set(functions)
    outcomes: Counter = Counter()
    for call in calls:
        try:
            result = functions[call.api_name](*call.args)
        except gr.Error as error:
            check_refusal(call, error)
            outcomes["refused"] += 1
            continue
        assert call.title is None, (call, "was answered")
        check_answer(call.api_name, result)
        outcomes["answered"] += 1
    assert min(outcomes["answered"], outcomes["refused"]) > 150, outcomes
    print(f"\ndirect calls: {len(calls)}, {dict(outcomes)}")


# --- raw HTTP -------------------------------------------------------------------------


def call_over_http(
    http: httpx.Client, api_name: str, body: bytes
) -> tuple[str, object]:
    """POST ``body`` to ``/gradio_api/call/<api_name>`` and read the event stream:
    ("complete", data), ("error", message) or ("http <status>", body)."""
    response = http.post(
        f"gradio_api/call/{api_name}",
        content=body,
        headers={"content-type": "application/json"},
    )
    if response.status_code != 200:
        return f"http {response.status_code}", response.json()
    event_id = response.json()["event_id"]
    stream = http.get(f"gradio_api/call/{api_name}/{event_id}").text
    events = [
        (block.split("\n")[0].removeprefix("event: "), block.split("data: ", 1)[1])
        for block in stream.strip().split("\n\n")
        if block.startswith("event: ") and "data: " in block
    ]
    kind, data = [e for e in events if e[0] in ("complete", "error")][-1]
    data = json.loads(data)
    return kind, data if kind == "complete" else data.get("error")


def raw(data: object, **extra: object) -> bytes:
    """A body as no client would build it: lone surrogates as ``\\ud800`` escapes
    and NaN as a bare word, both of which Python's json writes."""
    return json.dumps({"data": data, **extra}).encode()


def abuse_bodies(api_names: list[str]) -> list[tuple[str, bytes, str]]:
    """(api name, body, what must happen) for what generated calls cannot reach."""
    predict = next(n for n in api_names if n.endswith("_predict"))
    chat_name = next(n for n in api_names if n.endswith("_chat"))
    good = ["a b", "beam", 2, 1.0, 1.0, 0, 1.0, 5]
    too_big = MAX_REQUEST_BYTES + 1
    return [
        (predict, raw(good[:1]), "error"),  # too few values
        (predict, raw([*good, "extra", None]), "complete"),
        (predict, raw(None), "http 422"),
        (predict, raw({"0": "a"}), "http 422"),
        (predict, b'{"data": [', "http 422"),
        (predict, b"", "http 422"),
        (predict, b"\xff\xfe\x00garbage", "http 4"),
        (predict, b'{"data": ["a b", "beam", NaN, 1, 1, 0, 1, 5]}', "error"),
        (predict, b'{"data": ["a b", "beam", 2, Infinity, 1, 0, 1, 5]}', "error"),
        (predict, b'{"data": ["a \\ud800 b", "beam", 2, 1, 1, 0, 1, 5]}', "complete"),
        (predict, b'{"data": ["\\udfff", "beam", 2, 1, 1, 0, 1, 5]}', "error"),
        (predict, b'{"data": ["a", "beam", ' + b"9" * 5000 + b"]}", "http 400"),
        (predict, b'{"data": ' + b"[" * 5000 + b"]" * 5000 + b"}", "http 400"),
        (predict, raw(["a", "beam", [[[[[]]]]] * 1000, 1, 1, 0, 1, 5]), "error"),
        (predict, raw(["x" * too_big, *good[1:]]), "http 413"),
        (predict, raw([" " * (MAX_REQUEST_BYTES // 2), *good[1:]]), "error"),
        # the largest bodies under the limit, with as many objects as fit
        (chat_name, raw(["hi", [{}] * (MAX_REQUEST_BYTES // 5), "safe"]), "error"),
        (chat_name, raw(["hi", [[]] * (MAX_REQUEST_BYTES // 5), "safe"]), "error"),
        (chat_name, raw(["hi", [0] * (MAX_REQUEST_BYTES // 4), "safe"]), "error"),
        (chat_name, raw(["hi", ["a"] * (MAX_REQUEST_BYTES // 6), "safe"]), "complete"),
        (chat_name, raw(["hi", ["a \ud800"] * 15000, "safe"]), "complete"),
        (chat_name, raw(["hi", [{"role": "user", "content": "\x00"}], "safe"]), "comp"),
        (
            chat_name,
            raw(
                [
                    "hi",
                    [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}],
                    "safe",
                ]
            ),
            "error",
        ),  # fmt: skip
        ("no_such_endpoint", raw(["a"]), "http 404"),
    ]


def memory_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def test_raw_http_bodies_never_make_a_server_error(demo, url, capfd):
    functions = endpoint_functions(demo)
    calls = generated_calls(list(functions), HTTP_CASES)
    outcomes: Counter = Counter()
    with httpx.Client(base_url=url, timeout=120) as http:
        for call in calls:
            body = raw(list(call.args))
            kind, data = call_over_http(http, call.api_name, body)
            if len(body) > MAX_REQUEST_BYTES:  # a long history, escaped
                assert kind == "http 413", (call, kind, data)
                assert_readable(data["error"])
            elif call.title:
                assert kind == "error", (call, kind, data)
                assert_readable(data)
                assert call.words in data, (call, data)
            else:
                assert kind == "complete", (call, kind, data)
                assert "\\ufffd" not in json.dumps(data), data
            outcomes[kind] += 1
        Path("/proc/self/clear_refs").write_text("5")  # peak memory from here
        before = memory_mib("VmRSS")
        for api_name, body, expected in abuse_bodies(list(functions)):
            kind, data = call_over_http(http, api_name, body)
            assert kind.startswith(expected[:6]), (body[:80], kind, data)
            if kind == "error" or kind.startswith("http"):
                message = (
                    data.get("error") or data.get("detail")
                    if isinstance(data, dict)
                    else data
                )
                assert message, (body[:80], kind, data)
                if isinstance(message, str):
                    assert_readable(message)
            outcomes[kind] += 1
        peak = memory_mib("VmHWM") - before
        still = raw(["a b", "greedy", 1, 1.0, 1.0, 0, 1.0, 4])
        assert call_over_http(http, calls[0].api_name, still)[0] == "complete"
    log = capfd.readouterr().err
    assert "Traceback" not in log, log[-3000:]
    assert peak < 200, f"the worst requests grew the server by {peak:.0f} MiB"
    total = sum(outcomes.values())
    print(f"\nraw HTTP: {total} bodies, {dict(outcomes)}, peak +{peak:.0f} MiB")
