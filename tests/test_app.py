"""The Gradio demo: its pure actions, and every API name through ``gradio_client``.

The served demo (``demo_url`` in conftest) backs every tab with one tiny untrained
model, so these tests check behaviour (shapes, errors, history), never output text.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field, replace
from pathlib import Path

import gradio as gr
import pytest
import torch
from gradio_client import Client
from gradio_client.exceptions import AppError

from s2s_hub import registry
from s2s_hub.app import build_demo, chat
from s2s_hub.app.cards import card_markdown
from s2s_hub.app.demo import QUEUE_SIZE
from s2s_hub.app.models import TabModel, load_predictor, tab_models
from s2s_hub.app.plots import MAX_LABELS, attention_figure, readable_pieces
from s2s_hub.app.predict import NBEST_COLUMNS, format_probability
from s2s_hub.app.validation import clean_text, decode_config
from s2s_hub.predictor import Prediction
from s2s_hub.registry import Task, get_task, task_names
from s2s_hub.search.config import METHODS, DecodeConfig

ROOT = Path(__file__).resolve().parents[1]
TASKS = {name: get_task(name) for name in task_names()}
TEXT_TASKS = sorted(name for name, task in TASKS.items() if not chat.is_chat(task))
CHAT_TASKS = sorted(name for name, task in TASKS.items() if chat.is_chat(task))
UNICODE_TEXTS = [
    "日本語の文章です",
    "مرحبا بالعالم",  # Arabic, right to left
    "שלום עולם",  # Hebrew, right to left
    "👩‍👩‍👧 🇩🇪 👍🏽 😀",  # ZWJ sequence, flag, skin tone
    "Ünïcödé ﬁ ﬀ Ωμέγα Привет नमस्ते",
    "\u202eoverride\u202c mixed עברית and English",
]
TOO_LONG = object()  # stands for one character more than the task takes


# --- pure functions ---------------------------------------------------------------


def test_clean_text_tidies_controls_and_whitespace():
    task = get_task("reverse")
    assert clean_text("  a\x00b\t\n c  ", task) == "a b c"
    assert clean_text("👩\u200d👩", task) == "👩\u200d👩"  # joiners stay
    assert clean_text("a\ud800b", task) == "ab"  # lone surrogates: no UTF-8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please type some text"),
        (None, "Please type some text"),
        (" \t\n\x00\u200b\u2028 ", "only spaces or invisible"),
        ("a" * (get_task("reverse").max_input_chars + 1), "characters long"),
        (42, "must be text"),
    ],
)
def test_clean_text_refuses_bad_text(text, message):
    with pytest.raises(gr.Error, match=message):
        clean_text(text, get_task("reverse"))


def test_decode_config_follows_the_controls():
    greedy = decode_config("greedy", 4, 1.0, 1.0, 0, 1.0, 20)
    assert (greedy.method, greedy.n_best) == ("greedy", 1)
    beam = decode_config("beam", 4.0, 0.6, 1.0, 0, 1.0, 20)
    assert (beam.beam_size, beam.n_best, beam.length_penalty) == (4, 4, 0.6)
    sample = decode_config("sample", 3, 1.0, 0.7, 10, 0.9, 5)
    assert (sample.n_best, sample.top_k, sample.max_length) == (3, 10, 5)


def test_decode_config_keeps_the_task_settings_it_has_no_control_for():
    base = get_task("summarization").decoding
    config = decode_config("beam", 2, 1.0, 1.0, 0, 1.0, 1, base=base)
    assert config.no_repeat_ngram_size == base.no_repeat_ngram_size
    assert config.min_length == 1  # capped by the shorter maximum


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("viterbi", 2, 1.0, 1.0, 0, 1.0, 20), "Unknown decoding method 'viterbi'"),
        (("beam", 2, 1.0, 1.0, 0, 0.0, 20), "top-p must be between 0.05 and 1"),
        (("beam", 2, 1.0, 0.0, 0, 1.0, 20), "temperature must be between 0.05"),
        (("beam", "5", 1.0, 1.0, 0, 1.0, 20), "beam size must be a number, got the"),
        (("beam", 2, 1.0, 1.0, 0, 1.0, 1e9), "maximum length must be between 1 and"),
        ((["beam"], 2, 1.0, 1.0, 0, 1.0, 20), "Unknown decoding method \\['beam'\\]"),
        (("beam", 2.5, 1.0, 1.0, 0, 1.0, 20), "beam size must be a whole number"),
        (("beam", None, 1.0, 1.0, 0, 1.0, 20), "beam size must be a number, got null"),
        (("beam", 2, float("nan"), 1.0, 0, 1.0, 20), "length penalty must be a finite"),
    ],
)
def test_decode_config_refuses_bad_values_in_a_sentence(args, message):
    with pytest.raises(gr.Error, match=message):
        decode_config(*args)


def test_readable_pieces_show_byte_fallback_characters():
    pieces = ["▁a", "<0xE4>", "<0xBD>", "<0xA0>", "<0x0A>", "<0xBD>", "</s>"]
    assert readable_pieces(pieces) == ["▁a", "你", "·", "·", "<0x0A>", "<0xBD>", "</s>"]


def test_heat_map_labels_every_piece_of_a_short_input():
    figure = attention_figure(
        torch.full((2, 3), 1 / 3), ["▁שלום", "<0xF0>", "</s>"], ["▁a", "</s>"]
    )
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["▁שלום", "<0xF0>", "</s>"]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["▁a", "</s>"]
    # the title is the figure's own, above the first row's label
    assert axes.get_title() == "Attention of the best output"


def test_heat_map_of_a_long_input_stays_bounded():
    figure = attention_figure(
        torch.rand(90, 400), [f"s{i}" for i in range(400)], [f"t{i}" for i in range(90)]
    )
    width, height = figure.get_size_inches()
    assert width <= 12 and height <= 10
    assert len(figure.axes[0].get_xticklabels()) <= MAX_LABELS


def test_probabilities_read_as_percentages_or_scientific():
    assert format_probability(0.4567) == "45.7%"
    assert format_probability(2.5e-7) == "2.5e-07"


@dataclass
class RecordingPredictor:
    """Stands in for a model: records its sources and answers "ok"."""

    sources: list[str] = field(default_factory=list)
    configs: list = field(default_factory=list)
    decoding: object = field(default_factory=lambda: get_task("dialogue").decoding)

    def predict(self, texts, config):
        self.sources += texts
        self.configs.append(config)
        empty = torch.zeros(1, 1)
        return [[Prediction("ok", -0.1, -0.1, [], [], empty)] for _ in texts]


def test_chat_sees_the_task_context_window():
    task = get_task("dialogue", context_turns=2)
    predictor = RecordingPredictor()
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
        {"role": "user", "content": "how are you"},
        {"role": "assistant", "content": "fine"},
    ]
    messages, box = chat.chat(predictor, task, "  and you? ", history, "diverse")
    assert predictor.sources == ["fine <sep> and you?"]
    assert box == ""
    assert messages[-2:] == [
        {"role": "user", "content": "and you?"},
        {"role": "assistant", "content": "ok"},
    ]
    assert all(isinstance(m["content"], str) for m in messages)


def test_chat_joins_one_speaker_s_messages_into_a_turn():
    task = get_task("dialogue", context_turns=2)
    predictor = RecordingPredictor()
    history = [
        {"role": "assistant", "content": "hey"},
        {"role": "user", "content": "a"},
    ]
    chat.chat(predictor, task, "b", history, "safe")
    assert predictor.sources == ["hey <sep> a b"]


@pytest.mark.parametrize("method", ["beam", "sample"])
def test_chat_styles_sample_or_take_the_likeliest_reply(method):
    defaults = DecodeConfig(method=method, n_best=3, length_penalty=1.5)
    own = chat.default_style(defaults)
    assert own == {"beam": "safe", "sample": "diverse"}[method]
    assert chat.reply_config(defaults, own) == replace(defaults, n_best=1)
    assert chat.reply_config(defaults, "diverse").method == "sample"
    assert chat.reply_config(defaults, "safe").method == "beam"
    assert chat.reply_config(defaults, "safe").n_best == 1


@pytest.mark.parametrize(
    ("message", "history", "style", "error"),
    [
        ("", [], "diverse", "Please type some text"),
        ("hi", [], "wild", "Unknown reply style"),
        ("hi", "not a list", "safe", "list of messages"),
    ],
)
def test_chat_refuses_bad_input(message, history, style, error):
    with pytest.raises(gr.Error, match=error):
        chat.chat(RecordingPredictor(), get_task("dialogue"), message, history, style)


def test_reset_empties_the_conversation():
    assert chat.reset() == ([], "")


# --- tabs and models ----------------------------------------------------------------


def api_names(demo: gr.Blocks) -> set[str]:
    return {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}


def tab_ids(demo: gr.Blocks) -> set[str]:
    return {
        block.elem_id for block in demo.blocks.values() if isinstance(block, gr.Tab)
    }


def test_the_demo_opens_on_translation_and_lists_the_seed_tasks_first():
    demo = build_demo(tab_models(sources={}))
    tabs = [b.elem_id for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert tabs[:3] == ["tab-translation", "tab-summarization", "tab-dialogue"]
    assert sorted(tabs[3:-1]) == tabs[3:-1] and tabs[-1] == "tab-compare"


def test_a_task_without_a_model_gets_a_tab_that_says_so():
    models = tab_models(sources={})
    assert {m.task.name for m in models} == set(TASKS)
    assert all(m.predictor is None and "No trained model" in m.problem for m in models)
    demo = build_demo(models)
    assert tab_ids(demo) == {f"tab-{name}" for name in [*TASKS, "compare"]}
    assert api_names(demo) == set()


def test_a_model_that_fails_to_load_does_not_break_the_demo(tmp_path):
    (model,) = tab_models([get_task("reverse")], {"reverse": [str(tmp_path / "gone")]})
    assert model.predictor is None and "could not be loaded" in model.problem
    build_demo([model])


def test_models_load_once_per_process(toy_model_dir):
    sources = {"reverse": [str(toy_model_dir)]}
    first = tab_models([get_task("reverse")], sources)[0]
    again = tab_models([get_task("reverse")], sources)[0]
    assert first.predictor is again.predictor
    assert first.task.options() == again.predictor.task.options()  # checkpoint's


def test_a_new_task_plugin_gets_a_tab_without_an_app_edit(monkeypatch, toy_model_dir):
    @dataclass(frozen=True)
    class Echo(Task):
        description = "Echo the input."

    Echo.name = "echo"
    monkeypatch.setitem(registry._REGISTRY, "echo", Echo)
    demo = build_demo(tab_models(sources={"echo": [str(toy_model_dir)]}))
    assert "tab-echo" in tab_ids(demo)
    assert "echo_predict" in api_names(demo)


def tab_labels(demo: gr.Blocks) -> dict[str, str]:
    return {b.elem_id: b.label for b in demo.blocks.values() if isinstance(b, gr.Tab)}


def test_each_language_pair_of_a_task_gets_a_tab_of_its_own(toy_model_dir):
    predictor = load_predictor(str(toy_model_dir))
    models = [
        TabModel(get_task("translation", target_lang=code), "toy", predictor)
        for code in ("de", "zh", "de")
    ]
    demo = build_demo(models)
    tabs = tab_labels(demo)
    # the first pair keeps the task's ids and API names
    assert tabs["tab-translation"] == "Translation (English → German)"
    assert tabs["tab-translation_en_zh"] == "Translation (English → Chinese)"
    assert {"translation_predict", "translation_en_zh_predict"} <= api_names(demo)
    # the two English-German models meet in the Compare tab, the Chinese one alone
    assert "compare-translation" in tab_ids(demo)
    assert "compare-translation_en_zh" not in tab_ids(demo)
    assert tab_labels(build_demo(models[:1]))["tab-translation"] == "Translation"


def test_tab_header_shows_the_card_score_and_source(toy_model_dir):
    line = card_markdown(str(toy_model_dir), "exact")
    assert "**test exact " in line and f"`{toy_model_dir.name}`" in line
    assert str(toy_model_dir.parent) not in line  # no server path
    hub_line = card_markdown("org/never-downloaded", "bleu")
    assert "(https://huggingface.co/org/never-downloaded)" in hub_line


def test_queue_is_bounded():
    demo = build_demo(tab_models(sources={}))
    assert demo._queue.max_size == QUEUE_SIZE


def test_app_module_builds_a_demo_and_passes_launch_options(
    monkeypatch, toy_models_spec
):
    monkeypatch.setenv("S2S_HUB_MODELS", toy_models_spec)
    spec = importlib.util.spec_from_file_location("s2s_hub_app_main", ROOT / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    assert isinstance(app.demo, gr.Blocks)
    args = app.parse_args(["--host", "0.0.0.0", "--port", "7861", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 7861, True)


# --- through gradio_client ------------------------------------------------------------


@pytest.fixture(scope="module")
def client(demo_url: str) -> Client:
    return Client(demo_url, verbose=False)


def predict(client: Client, name: str, text: str, **settings):
    """Call ``/<name>_predict`` with the task's own decoding defaults, overridden."""
    default = TASKS[name].decoding
    values = {
        "method": default.method,
        "beam_size": 3,
        "length_penalty": default.length_penalty,
        "temperature": default.temperature,
        "top_k": default.top_k,
        "top_p": default.top_p,
        "max_length": 12,
        **settings,
    }
    return client.predict(text, *values.values(), api_name=f"/{name}_predict")


def test_every_event_has_an_api_name(client):
    endpoints = set(
        client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    )
    expected = {f"/{name}_predict" for name in TEXT_TASKS} | {
        f"/{name}_{action}" for name in CHAT_TASKS for action in ("chat", "reset")
    }
    # the test demo serves reverse twice (conftest.toy_models_spec): it compares
    assert endpoints == expected | {"/reverse_compare"}


def test_compare_endpoint_answers_for_every_model(client):
    first, probability, _, second, _, plot = client.predict(
        "a b c", api_name="/reverse_compare"
    )
    assert first == second and isinstance(first, str)
    assert probability.endswith("%") or "e-" in probability
    assert plot["type"] == "matplotlib"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", TEXT_TASKS)
def test_text_tab_decodes_with_each_method(client, name, method):
    output, table, plot = predict(client, name, "a b c d", method=method)
    assert isinstance(output, str)
    assert table["headers"] == NBEST_COLUMNS
    rows = table["data"]
    assert len(rows) == (1 if method == "greedy" else 3)
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0][1] == output
    assert all(row[3] <= 0 for row in rows)  # log-probabilities
    if method == "beam":
        assert [row[4] for row in rows] == sorted(
            (row[4] for row in rows), reverse=True
        )
    assert plot["type"] == "matplotlib"
    assert plot["plot"].startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    ("text", "settings", "message"),
    [
        ("", {}, "Please type some text"),
        (" \t\n\u200b\x07 ", {}, "only spaces or invisible"),
        (TOO_LONG, {}, "characters long"),
        ("a b", {"method": "viterbi"}, "viterbi"),
        ("a b", {"beam_size": 0}, "beam size must be between 1 and 10, got 0"),
        ("a b", {"beam_size": 1000}, "beam size must be between 1 and 10, got 1000"),
        ("a b", {"beam_size": 2.5}, "beam size must be a whole number"),
        ("a b", {"beam_size": "5"}, "beam size must be a number, got the text"),
        ("a b", {"beam_size": None}, "beam size must be a number, got null"),
        ("a b", {"temperature": 0}, "temperature must be between"),
        ("a b", {"top_p": 1.5}, "top-p must be between"),
        ("a b", {"top_k": -1}, "top-k must be between"),
        ("a b", {"max_length": 0}, "maximum length must be between"),
        ("a b", {"length_penalty": -1}, "length penalty must be between"),
        ("a b", {"method": None}, "Unknown decoding method None"),
    ],
)
def test_bad_text_input_gets_an_error_message(client, text, settings, message):
    name = TEXT_TASKS[0]
    text = "x" * (TASKS[name].max_input_chars + 1) if text is TOO_LONG else text
    with pytest.raises(AppError, match=message):
        predict(client, name, text, **settings)


@pytest.mark.parametrize("text", UNICODE_TEXTS)
def test_any_script_emoji_and_rtl_text_decode(client, text):
    output, table, plot = predict(client, "reverse", text, method="beam")
    assert isinstance(output, str) and table["data"] and plot["plot"]


@pytest.mark.parametrize("name", CHAT_TASKS)
def test_chat_keeps_history_and_resets(client, name):
    history, box = client.predict("hi there", [], "diverse", api_name=f"/{name}_chat")
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    history, _ = client.predict(
        UNICODE_TEXTS[3], history, "safe", api_name=f"/{name}_chat"
    )
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    assert client.predict(api_name=f"/{name}_reset") == ([], "")


@pytest.mark.parametrize("name", CHAT_TASKS)
@pytest.mark.parametrize(
    ("message", "style", "error"),
    [
        ("", "diverse", "Please type some text"),
        ("\x00\x01 ", "diverse", "only spaces or invisible"),
        (TOO_LONG, "diverse", "characters long"),
        ("hi", "wild", "wild"),
    ],
)
def test_bad_chat_input_gets_an_error_message(client, name, message, style, error):
    message = (
        "x" * (TASKS[name].max_input_chars + 1) if message is TOO_LONG else message
    )
    with pytest.raises(AppError, match=error):
        client.predict(message, [], style, api_name=f"/{name}_chat")


@pytest.mark.parametrize("name", CHAT_TASKS)
@pytest.mark.parametrize("text", UNICODE_TEXTS)
def test_chat_takes_any_script_emoji_and_rtl_text(client, name, text):
    history, _ = client.predict(text, [], "diverse", api_name=f"/{name}_chat")
    assert len(history) == 2


def test_tab_header_shows_the_baseline_beside_the_score(tmp_path):
    import json as json_module
    import shutil

    folder = ROOT / "checkpoints" / "translation"
    copy = Path(shutil.copytree(folder, tmp_path / "translation"))
    stored = json_module.loads((copy / "eval_results.json").read_text())
    stored["baseline"] = {"name": "copy source", "scores": {"bleu": 8.68}}
    (copy / "eval_results.json").write_text(json_module.dumps(stored))
    line = card_markdown(str(copy), "bleu")
    assert line.endswith(" · baseline (copy source): 8.7")


def test_compare_tab_explains_how_to_load_a_second_model(toy_model_dir):
    demo = build_demo(tab_models(sources={"reverse": [str(toy_model_dir)]}))
    help_text = [b for b in demo.blocks.values() if b.elem_id == "compare-help"]
    assert help_text and "S2S_HUB_MODELS" in help_text[0].value
    assert not any(name.endswith("_compare") for name in api_names(demo))


def test_compare_decodes_one_input_with_every_model_of_a_task(toy_model_dir):
    from s2s_hub.app.compare import compare

    models = tab_models(
        [get_task("reverse")], {"reverse": [str(toy_model_dir), str(toy_model_dir)]}
    )
    demo = build_demo(models)
    assert "reverse_compare" in api_names(demo)
    assert "compare-reverse" in tab_ids(demo)
    results = compare(models, "a b c")
    assert len(results) == 3 * len(models)
    expected = models[0].predictor.predict(["a b c"])[0][0]
    for text, probability, heat_map in zip(*[iter(results)] * 3, strict=True):
        assert text == expected.text
        assert probability == format_probability(expected.probability)
        assert heat_map.plot.startswith("data:image/png;base64,")


@pytest.mark.parametrize("name", CHAT_TASKS)
@pytest.mark.parametrize(
    "history",
    [
        [{"role": "user", "content": "hi"}],  # the form Gradio's own docs show
        [{"role": "user", "content": [{"type": "text", "text": "a b\x00"}]}],
        [["hi", "hello"]],
        ["hi", "hello"],
    ],
)
def test_chat_takes_every_documented_history_form(client, name, history):
    messages, _ = client.predict(
        "how are you", history, "safe", api_name=f"/{name}_chat"
    )
    assert [m["role"] for m in messages][-2:] == ["user", "assistant"]
    assert all("\x00" not in str(m) for m in messages)


@pytest.mark.parametrize("name", CHAT_TASKS)
@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([{"role": "system", "content": "x"}], "role 'system'"),
        ([{"role": "user", "content": 5}], "the number 5 as its content"),
        ({"role": "user", "content": "hi"}, "must be a list of messages"),
        ([["x" * 5000, None]], "5,000 characters long"),
    ],
)
def test_chat_refuses_other_histories_naming_the_message(
    client, name, history, message
):
    with pytest.raises(AppError, match=message):
        client.predict("hi", history, "safe", api_name=f"/{name}_chat")
