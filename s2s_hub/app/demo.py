"""The whole demo: a header and one tab per registered task."""

from __future__ import annotations

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
    model gets the task's tab; all of them meet in the Compare tab."""
    models = tab_models() if models is None else models
    groups: dict[str, list[TabModel]] = {}
    for model in sorted(models, key=lambda m: tab_rank(m.task.name)):
        groups.setdefault(model.task.name, []).append(model)
    # no analytics: the demo must start and run on a machine without network
    with GuardedBlocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(HEADER, elem_id="s2s-header")
        with gr.Tabs():
            for name, group in groups.items():
                title = tab_label(group[0].task)
                with gr.Tab(title, id=name, elem_id=f"tab-{name}"):
                    task_tab(group[0])
            with gr.Tab("Compare", id="compare", elem_id="tab-compare"):
                compare_tab(groups, lambda name: tab_label(groups[name][0].task))
    return demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)


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
