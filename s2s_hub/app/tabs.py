"""One tab per task: its header, controls and events.

Every event has an ``api_name`` made from the tab's key, the task's name unless
the task has tabs for several variants (``demo.tab_groups``): ``<task>_predict``,
``<task>_chat``, ``<task>_reset``, so ``gradio_client`` can call what a button
does. Element ids follow the same pattern (``<task>-input``, ``<task>-run`` ...)
for browser tests.
"""

from __future__ import annotations

import functools

import gradio as gr

from s2s_hub.app import chat, predict, validation
from s2s_hub.app.cards import card_markdown
from s2s_hub.app.history import history_box
from s2s_hub.app.models import TabModel
from s2s_hub.registry import Task
from s2s_hub.search.config import METHODS, DecodeConfig

# rank, output, probability, log_prob, score: the output takes what the rest leave
NBEST_WIDTHS = ["9%", "46%", "17%", "14%", "14%"]


def task_tab(model: TabModel, key: str) -> None:
    """The contents of ``model``'s tab, whose ids and API names start with
    ``key``; call it inside a ``gr.Tab``."""
    gr.Markdown(header_markdown(model))
    if model.predictor is None:
        gr.Markdown(
            f'**{model.problem}** Set `S2S_HUB_MODELS="{model.task.name}=<repo id or '
            'path>"` to give it one.',
            elem_id=f"{key}-no-model",
        )
    elif chat.is_chat(model.task):
        chat_tab(model, key)
    else:
        text_tab(model, key)


def header_markdown(model: TabModel) -> str:
    task = model.task
    return (
        f"{task.description}  \n"
        f"{card_markdown(model.source, task.selection_metric)}  \n"
        f"Data: {task.data_source} · license: {task.data_license}"
    )


def text_tab(model: TabModel, name: str) -> None:
    """Input, decoding controls, output, n-best table and attention heat map."""
    task = model.task
    with gr.Row():
        with gr.Column():
            source = gr.Textbox(
                label=task.source_label,
                rtl=task.source_rtl,
                lines=4,
                max_length=task.max_input_chars,
                elem_id=f"{name}-input",
            )
            controls = decoding_controls(model.predictor.decoding)
            run = gr.Button("Run", variant="primary", elem_id=f"{name}-run")
        with gr.Column():
            output = gr.Textbox(
                label=task.target_label,
                rtl=task.target_rtl,
                interactive=False,
                elem_id=f"{name}-output",
            )
            table = gr.Dataframe(
                headers=predict.NBEST_COLUMNS,
                datatype=["number", "str", "str", "number", "number"],
                label="n-best (probability: the model's probability of that output)",
                interactive=False,
                # long outputs wrap in their column instead of pushing the
                # probability out of view
                wrap=True,
                column_widths=NBEST_WIDTHS,
                elem_id=f"{name}-nbest",
            )
            # the figure carries its title: Gradio's label would cover the first
            # row's piece
            plot = gr.Plot(
                show_label=False,
                format="png",
                elem_id=f"{name}-attention",
            )
    examples(task, source, name)
    gr.on(
        [run.click, source.submit],
        functools.partial(predict.predict, model.predictor, task),
        inputs=[source, *controls],
        outputs=[output, table, plot],
        api_name=f"{name}_predict",
        preprocess=False,  # the action checks the raw values (validation)
    )


def decoding_controls(default: DecodeConfig) -> list[gr.components.Component]:
    """Method, beam size, length penalty, temperature, top-k, top-p, max length,
    starting at the model's decoding defaults; their ranges are the ones
    ``validation.decode_config`` checks."""
    numbers = validation.decoding_controls(default)
    with gr.Accordion("Decoding", open=True):
        method = gr.Radio(list(METHODS), value=default.method, label="Method")
        rows = [("beam_size", "length_penalty"), ("temperature", "top_k", "top_p")]
        sliders = {}
        for row in [*rows, ("max_length",)]:
            with gr.Row():
                for field in row:
                    sliders[field] = slider(numbers[field], getattr(default, field))
    return [method, *(sliders[field] for field in numbers)]


def slider(control: validation.NumberControl, value: float) -> gr.Slider:
    return gr.Slider(
        control.minimum,
        control.maximum,
        value=min(max(value, control.minimum), control.maximum),
        step=control.step,
        label=control.label,
    )


def chat_tab(model: TabModel, name: str) -> None:
    """A chatbot with history, a diverse/safe control and a reset button."""
    task = model.task
    window = getattr(task, "context_turns", None)
    chatbot = history_box(
        label="Conversation"
        + (f" (the model sees the last {window} turns)" if window else ""),
        height=380,
        elem_id=f"{name}-chatbot",
    )
    with gr.Row():
        message = gr.Textbox(
            label="Your message",
            max_length=task.max_input_chars,
            scale=4,
            elem_id=f"{name}-message",
        )
        send = gr.Button("Send", variant="primary", scale=1, elem_id=f"{name}-send")
    with gr.Row():
        style = gr.Radio(
            list(chat.STYLES),
            value=chat.default_style(model.predictor.decoding),
            label="Replies",
            info="diverse: sampled; safe: beam search's most likely reply",
        )
        reset = gr.Button("New conversation", elem_id=f"{name}-reset")
    examples(task, message, name)
    gr.on(
        [send.click, message.submit],
        functools.partial(chat.chat, model.predictor, task),
        inputs=[message, chatbot, style],
        outputs=[chatbot, message],
        api_name=f"{name}_chat",
        preprocess=False,  # the action checks the raw values (history, validation)
    )
    reset.click(
        chat.reset, inputs=None, outputs=[chatbot, message], api_name=f"{name}_reset"
    )


def examples(task: Task, target: gr.Textbox, key: str) -> None:
    """The task's demo examples, filling ``target`` when clicked."""
    samples = task.demo_examples()
    if samples:
        gr.Examples(
            [[sample] for sample in samples],
            inputs=[target],
            api_name=f"{key}_example",
        )
