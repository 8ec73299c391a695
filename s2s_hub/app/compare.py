"""The Compare tab: one input decoded by every loaded model of a task, side by side.

The seed's question is how global and local attention differ; two models of one
task (say Bahdanau and local-p, both listed in ``S2S_HUB_MODELS``) answer it best
next to each other: their outputs, the probability each gives its own output, and
their heat maps. Each model decodes with its own default settings, the ones its
card's scores were measured with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import gradio as gr

from s2s_hub.app.cards import source_link
from s2s_hub.app.models import TabModel
from s2s_hub.app.predict import decode_with_heat_map, format_probability
from s2s_hub.app.validation import clean_text

MAX_MODELS = 4  # columns side by side
HOW_TO = """**Load a second model of a task to compare them here.** List several models
per task in `S2S_HUB_MODELS`, e.g.
`S2S_HUB_MODELS="translation=checkpoints/translation,translation=ORG/translation-local-p"`
(a folder written by `s2s-hub export` or a Hub repo id), and restart the demo: each
task with two or more models gets a comparison here."""


def compare_tab(groups: dict[str, list[TabModel]], label: Callable[[str], str]) -> None:
    """The tab's contents: a sub-tab per task with two or more loaded models, or
    how to load them."""
    comparable = {
        name: loaded[:MAX_MODELS]
        for name, models in groups.items()
        if len(loaded := [m for m in models if m.predictor is not None]) >= 2
    }
    if not comparable:
        gr.Markdown(HOW_TO, elem_id="compare-help")
        return
    with gr.Tabs():
        for name, models in comparable.items():
            with gr.Tab(label(name), elem_id=f"compare-{name}"):
                task_comparison(name, models)


def model_label(model: TabModel) -> str:
    """Markdown naming a model and its variant (the RNN's attention, or
    transformer), e.g. ``translation · bahdanau``."""
    assert model.predictor is not None and model.source is not None
    return f"{source_link(model.source)} · {model.predictor.model.config.variant}"


def task_comparison(name: str, models: list[TabModel]) -> None:
    task = models[0].task
    source = gr.Textbox(
        label=task.source_label,
        rtl=task.source_rtl,
        lines=3,
        max_length=task.max_input_chars,
        elem_id=f"compare-{name}-input",
    )
    run = gr.Button("Compare", variant="primary", elem_id=f"compare-{name}-run")
    outputs: list[gr.components.Component] = []
    with gr.Row():
        for index, model in enumerate(models):
            with gr.Column():
                gr.Markdown(model_label(model))
                outputs += [
                    gr.Textbox(
                        label=task.target_label,
                        rtl=task.target_rtl,
                        interactive=False,
                        elem_id=f"compare-{name}-output-{index}",
                    ),
                    gr.Textbox(label="Probability of this output", interactive=False),
                    gr.Plot(show_label=False, format="png"),
                ]
    samples = task.demo_examples()
    if samples:
        gr.Examples([[s] for s in samples], inputs=[source])
    gr.on(
        [run.click, source.submit],
        functools.partial(compare, models),
        inputs=[source],
        outputs=outputs,
        api_name=f"{name}_compare",
        preprocess=False,  # compare checks the raw text (validation)
    )


def compare(models: list[TabModel], text: object) -> list:
    """Per model: its best output, the probability of it and its heat map."""
    results: list = []
    for model in models:
        assert model.predictor is not None
        cleaned = clean_text(text, model.task)
        predictor = model.predictor
        nbest, heat_map = decode_with_heat_map(predictor, cleaned, predictor.decoding)
        results += [nbest[0].text, format_probability(nbest[0].probability), heat_map]
    return results
