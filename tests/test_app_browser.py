"""The demo in a real browser: Debian's Chromium, driven by Playwright.

Types into each tab, clicks, waits for the output and the heat map, and saves a
screenshot of every tab to ``docs/screenshots/<task>.png``. Needs
``apt-get install chromium``; skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from s2s_hub.app import chat
from s2s_hub.registry import get_task, task_names

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"no {CHROMIUM}: run `apt-get update && apt-get install -y chromium`",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
WAIT_MS = 60_000
TASKS = {name: get_task(name) for name in task_names()}
TEXT_TASKS = sorted(name for name, task in TASKS.items() if not chat.is_chat(task))
CHAT_TASKS = sorted(name for name, task in TASKS.items() if chat.is_chat(task))


@pytest.fixture(scope="module")
def page(demo_url: str) -> Iterator:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(WAIT_MS)
        page.goto(demo_url)
        yield page
        browser.close()


def test_the_demo_opens_on_the_translation_tab(page):
    # the first test of the module: no tab has been clicked yet
    page.wait_for_selector("#tab-translation", state="visible")
    assert not page.is_visible("#tab-dialogue")
    assert not page.is_visible("#tab-summarization")


def open_tab(page, name: str) -> None:
    page.click(f"#tab-{name}-button")
    page.wait_for_selector(f"#tab-{name}", state="visible")


def sample_text(name: str) -> str:
    examples = TASKS[name].demo_examples()
    return examples[0] if examples else "a b c d"


@pytest.fixture(scope="module")
def screenshots(request: pytest.FixtureRequest) -> Path:
    """Where screenshots go: the README's pictures with ``--bundled-demo``, else a
    scratch folder (the toy model's output is no picture of the demo)."""
    if request.config.getoption("--bundled-demo"):
        return ROOT / "docs" / "screenshots"
    return ROOT / "tests" / "artifacts" / "screenshots"


def screenshot(page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def run_text_tab(page, name: str, text: str) -> None:
    """Type ``text``, click Run, and wait for a new heat map and the n-best rows."""
    heat_map = f"#{name}-attention img"
    before = page.evaluate("(s) => document.querySelector(s)?.src ?? null", heat_map)
    page.fill(f"#{name}-input textarea", text)
    page.click(f"#{name}-run")
    page.wait_for_function(
        """([selector, before]) => {
            const image = document.querySelector(selector);
            return image && image.src !== before && image.naturalWidth > 0;
        }""",
        arg=[heat_map, before],
    )
    # a probability ("12.3%" or "4.5e-07") shows that the n-best rows arrived
    page.wait_for_function(
        r"name => /%|e-\d/.test(document.querySelector(`#${name}-nbest`).innerText)",
        arg=name,
    )


@pytest.mark.parametrize("name", TEXT_TASKS)
def test_text_tab_shows_output_nbest_and_heat_map(page, screenshots, name):
    open_tab(page, name)
    run_text_tab(page, name, sample_text(name))
    output = page.input_value(f"#{name}-output textarea")
    assert output in page.inner_text(f"#{name}-nbest")
    screenshot(page, screenshots, name)


def test_the_english_chinese_tab_translates_into_chinese(page, screenshots, request):
    """The bundled demo's second language pair has its own tab and examples; the
    toy demo serves one pair."""
    if not request.config.getoption("--bundled-demo"):
        pytest.skip("the toy demo serves one language pair")
    name = "translation_en_zh"
    example = get_task("translation", target_lang="zh").demo_examples()[0]
    open_tab(page, name)
    run_text_tab(page, name, example)
    output = page.input_value(f"#{name}-output textarea")
    assert any("\u4e00" <= character <= "\u9fff" for character in output), output
    screenshot(page, screenshots, name)


@pytest.mark.parametrize("name", TEXT_TASKS[:1])
def test_nbest_probability_column_in_view_and_heat_map_unlabelled(page, name):
    open_tab(page, name)
    long_text = " ".join([sample_text(name)] * 6)
    run_text_tab(page, name, long_text)
    table = page.locator(f"#{name}-nbest").bounding_box()
    header = page.locator(f"#{name}-nbest th", has_text="probability").first
    cell = header.bounding_box()
    # a long output wraps; the probability column stays inside the table's view
    assert table["x"] <= cell["x"] and cell["x"] + cell["width"] <= (
        table["x"] + table["width"] + 1
    )
    # no Gradio label over the heat map's top-left corner (its first row label)
    label = page.locator(f"#{name}-attention [data-testid=block-label]")
    assert not label.first.is_visible()


@pytest.mark.parametrize("name", TEXT_TASKS[:1])
def test_text_tab_takes_rtl_and_emoji_text(page, name):
    text = "שלום עולם 😀 日本語"
    open_tab(page, name)
    run_text_tab(page, name, text)
    # the text reached the model whole, and came back as an n-best row
    assert page.input_value(f"#{name}-input textarea") == text
    output = page.input_value(f"#{name}-output textarea")
    assert output in page.inner_text(f"#{name}-nbest")


@pytest.mark.parametrize("name", TEXT_TASKS[:1])
def test_empty_input_shows_an_error_toast(page, name):
    open_tab(page, name)
    page.fill(f"#{name}-input textarea", "")
    page.click(f"#{name}-run")
    toast = page.locator("[data-testid=toast-text]", has_text="Please type some text")
    toast.first.wait_for(state="visible")
    assert toast.first.is_visible()
    # closed, so that it is in no later tab's screenshot
    page.locator("[data-testid=toast-close]").first.click()
    toast.first.wait_for(state="detached")


@pytest.mark.parametrize("name", CHAT_TASKS)
def test_chat_tab_replies_and_resets(page, screenshots, name):
    open_tab(page, name)
    chatbot = f"#{name}-chatbot"
    page.fill(f"#{name}-message textarea, #{name}-message input", "hi, how are you?")
    page.click(f"#{name}-send")
    page.wait_for_selector(f"{chatbot} [data-testid=bot]", state="visible")
    assert "hi, how are you?" in page.inner_text(f"{chatbot} [data-testid=user]")
    screenshot(page, screenshots, name)
    # the second message sends the history as the browser holds it
    page.fill(f"#{name}-message textarea, #{name}-message input", "and you?")
    page.click(f"#{name}-send")
    page.locator(f"{chatbot} [data-testid=bot]").nth(1).wait_for(state="visible")
    assert (
        "and you?" in page.locator(f"{chatbot} [data-testid=user]").nth(1).inner_text()
    )
    page.click(f"#{name}-reset")
    page.wait_for_selector(f"{chatbot} [data-testid=bot]", state="detached")


def test_compare_tab_decodes_with_every_model_side_by_side(page, request):
    if request.config.getoption("--bundled-demo"):
        pytest.skip("the bundled demo has one model per task")
    open_tab(page, "compare")
    page.wait_for_selector("#compare-reverse", state="visible")
    page.fill("#compare-reverse-input textarea", "a b c")
    page.click("#compare-reverse-run")
    outputs = [f"#compare-reverse-output-{i} textarea" for i in (0, 1)]
    page.wait_for_function(
        "ids => ids.every(id => document.querySelector(id).value.length > 0)",
        arg=outputs,
    )
    first, second = (page.input_value(selector) for selector in outputs)
    assert first == second  # the same model twice: the same output
    assert page.locator("#compare-reverse img").count() >= 2  # two heat maps
