"""The whole demo: a header and one tab per registered task."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from s2s_hub.app.compare import compare_tab
from s2s_hub.app.guard import EXCEPTION_HANDLERS, BodyLimit, GuardedBlocks
from s2s_hub.app.models import TabModel, tab_models
from s2s_hub.app.tabs import task_tab
from s2s_hub.registry import Task

TITLE = "s2s-hub"
HEADER = """# s2s-hub: attention RNN sequence-to-sequence models

Small encoder-decoder models with attention, one per task. Type a text, pick a
decoding method and see the n-best outputs with the model's probability of each, and
which source pieces every output piece attended to."""
# Decoding is CPU-bound: a few requests at once, and a bounded line behind them.
CONCURRENCY_LIMIT = 2
QUEUE_SIZE = 32
THEME = gr.themes.Soft()
# n-best cells and text boxes take each line's direction from its first letter,
# so Arabic or Hebrew reads right to left whatever the tab's language labels say
CSS = (
    "#s2s-header { margin-bottom: 0.5rem; } "
    "textarea, [id$='-nbest'] td { unicode-bidi: plaintext; }"
)
# The seed's tasks in its order, so the demo opens on translation; plugins follow.
TAB_ORDER = ("translation", "summarization", "dialogue")


def build_demo(models: Sequence[TabModel] | None = None) -> gr.Blocks:
    """The Gradio app, queued; ``models`` defaults to every registered task with
    the models ``S2S_HUB_MODELS`` or the bundled checkpoints give it. A task's first
    model of each variant (``tab_groups``) gets a tab; all of them meet in the
    Compare tab."""
    models = tab_models() if models is None else models
    groups = tab_groups(models)
    titles = tab_titles(groups)
    # no analytics: the demo must start and run on a machine without network
    with GuardedBlocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(HEADER, elem_id="s2s-header")
        with gr.Tabs():
            for key, group in groups.items():
                with gr.Tab(titles[key], id=key, elem_id=f"tab-{key}"):
                    task_tab(group[0], key)
            with gr.Tab("Compare", id="compare", elem_id="tab-compare"):
                compare_tab(groups, titles.__getitem__)
    return demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)


def tab_groups(models: Sequence[TabModel]) -> dict[str, list[TabModel]]:
    """The models of each tab, by the tab's key: the task's name for its first
    variant (``Task.demo_variant``: translation's language pair), the name and
    the variant for each other (``translation_en_zh``), so a task's first tab
    keeps its element ids and API names whatever else is served."""
    groups: dict[str, list[TabModel]] = {}
    first: dict[str, str] = {}
    for model in sorted(models, key=lambda m: tab_rank(m.task.name)):
        name, variant = model.task.name, model.task.demo_variant
        first.setdefault(name, variant)
        key = name if variant == first[name] else f"{name}_{variant}"
        groups.setdefault(re.sub(r"\W", "_", key), []).append(model)
    return groups


def tab_titles(groups: dict[str, list[TabModel]]) -> dict[str, str]:
    """Each tab's title: the task's (``tab_label``), and where the task has tabs
    for several variants, its languages too (``Translation (English → Chinese)``)."""
    tabs_per_task = Counter(group[0].task.name for group in groups.values())
    titles = {}
    for key, group in groups.items():
        task = group[0].task
        titles[key] = tab_label(task)
        if tabs_per_task[task.name] > 1:
            titles[key] += f" ({task.source_label} → {task.target_label})"
    return titles


def tab_rank(task_name: str) -> tuple[int, str]:
    """Built-in tasks first, in ``TAB_ORDER``; then the rest by name."""
    known = task_name in TAB_ORDER
    return (TAB_ORDER.index(task_name) if known else len(TAB_ORDER), task_name)


def tab_label(task: Task) -> str:
    """The task's ``title``, else its name capitalized."""
    return task.title or task.name.replace("_", " ").capitalize()


def launch(demo: gr.Blocks, **options: Any) -> None:
    """``demo.launch(**options)`` with the demo's theme and CSS, and requests bounded
    in size and unknown API names refused in one line (``guard``)."""
    app_kwargs = options.pop("app_kwargs", {})
    app_kwargs.setdefault("middleware", []).append(Middleware(BodyLimit))
    app_kwargs.setdefault("exception_handlers", {}).update(EXCEPTION_HANDLERS)
    demo.launch(theme=THEME, css=CSS, app_kwargs=app_kwargs, **options)
