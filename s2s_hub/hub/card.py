"""The model card: README.md of an exported model, metadata and prose.

The metadata starts from what the model class declares to its Hub mixin (library,
tags, license) and adds a ``model-index`` built from an evaluation run, so the Hub
shows the same numbers as ``s2s-hub evaluate`` printed. The prose says what the
model is for, what it was trained on, and how to load it.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

import yaml
from huggingface_hub import EvalResult, ModelCard

from s2s_hub.evaluation.run import Evaluation
from s2s_hub.model.config import ARCHS
from s2s_hub.model.seq2seq import REPO_URL
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task
from s2s_hub.serving.auto import TOLERANCE
from s2s_hub.version import __version__

HUB_TASK_TYPE = "text2text-generation"
ARCH_NAMES = {"rnn": "RNN", "transformer": "Transformer"}

TEMPLATE = """---
{{ card_data }}
---

# {{ repo_id }}

An attentional {{ architecture_name }} encoder-decoder trained with
[s2s-hub]({{ repo_url }}) {{ version }} for the `{{ task }}` task: {{ description }}

## How to use

```python
import s2s_hub

predictor = s2s_hub.load({{ repo_id | tojson }})
print(predictor.translate([{{ example | tojson }}]))
```

Or from the shell: `s2s-hub predict {{ repo_id }} "{{ example }}"`.

## Results

{% if scores -%}
| metric | this model |
{%- for p in precisions %} this model, {{ p }} |{% endfor %}
{%- for b in baselines %} baseline{% if b.name %}: {{ b.name }}{% endif %} |{% endfor %}
|---|---|{% for p in precisions %}---|{% endfor %}
{%- for b in baselines %}---|{% endfor %}
{% for name, value in scores.items() -%}
| {{ split }} {{ name }} | {{ value }} |
{%- for p in precisions.values() %} {{ p.scores.get(name, "—") }} |{% endfor %}
{%- for b in baselines %} {{ b.scores.get(name, "—") }} |{% endfor %}
{% endfor %}
Measured on {{ examples }} examples of the `{{ split }}` split (`ppl`: perplexity of
the references; the baseline columns are the task's trivial systems on the same split,
the bar a model must clear to be worth using), decoding with:

```yaml
{{ decoding }}```
{%- if precisions %}

"this model" computes in fp32; "this model, int8" is the same model loaded with
`precision="int8"`, and so for each such column ("int8-amx": int8 on a CPU with
AMX, whose batches take oneDNN's kernel; "onnxruntime-int8": `runtime="onnxruntime"`
in int8; "-shortlist": with `shortlist=True`, which scores each batch's shortlist of
target tokens, not the whole vocabulary, so its perplexity is over fewer tokens).
`precision="auto"` serves one of
them where its {{ metric }} is within {{ tolerance }} of fp32's and it answers faster on
the CPU at hand.
{%- endif %}
{%- if parts %}

By part of the `{{ split }}` split, each baseline scored on the same part:

| part | examples | metric | this model |
{%- for b in baselines %} baseline{% if b.name %}: {{ b.name }}{% endif %} |{% endfor %}
|---|---|---|---|{% for b in baselines %}---|{% endfor %}
{% for name, part in parts.items() -%}
{% for metric, value in part.scores.items() -%}
| {{ name }} | {{ part.examples }} | {{ metric }} | {{ value }} |
{%- for b in part.baselines %} {{ b.get(metric, "—") }} |{% endfor %}
{% endfor -%}
{% endfor -%}
{%- endif %}
{%- else -%}
Not evaluated. Decoding defaults:

```yaml
{{ decoding }}```
{%- endif %}

{% if samples %}
## Sample outputs

Inputs the task shows off, decoded with the defaults above:

| input | output |
|---|---|
{% for source, output in samples -%}
| {{ source | replace("|", "\\|") }} | {{ output | replace("|", "\\|") }} |
{% endfor %}
{% endif %}
{%- if curve %}
## Learning curve

![Dev metric and perplexity against training minutes and steps](learning_curve.png)

{{ curve }}
{% endif %}
## Training

Architecture (also in `config.json`):

```yaml
{{ architecture }}```
{% if training %}
Training recipe and progress:

```yaml
{{ training }}```
{% endif %}
## Data

- Source: {{ data_source }}
- License of the data: {{ data_license }}
- Task options: {{ task_options }}

## Intended use and limits

Intended for research, teaching and demos of attention-based sequence-to-sequence
models on the `{{ task }}` task. It knows only what its training data shows: inputs
unlike that data, longer than {{ max_source_tokens }} subword tokens (the rest is
cut off) or outputs needing more than {{ max_length }} tokens will be handled badly,
and it repeats the biases and errors of its data. Do not use its outputs for
decisions about people or where a mistake causes harm.
"""


def eval_results(evaluation: Evaluation, task: Task) -> list[EvalResult]:
    """One ``model-index`` entry per metric, carrying the decoding settings used."""
    return [
        EvalResult(
            task_type=HUB_TASK_TYPE,
            task_name=task.name,
            dataset_type=task.name,
            dataset_name=task.data_source or task.name,
            dataset_split=evaluation.split,
            dataset_args=public_options(task),
            metric_type=metric,
            metric_name=f"{evaluation.split} {metric}",
            metric_value=value,
            metric_args=_without_none(evaluation.decoding),
        )
        for metric, value in evaluation.scores.items()
    ]


def build_card(
    predictor: Predictor,
    repo_id: str,
    evaluation: Evaluation | None = None,
    train_info: dict[str, Any] | None = None,
    curve: str | None = None,
) -> ModelCard:
    """The card of ``predictor`` published as ``repo_id``.

    Args:
        evaluation: a run whose scores become the card's ``model-index``.
        train_info: the training recipe and progress to show.
        curve: the run's learning curve as a Markdown table; the card then also
            shows ``learning_curve.png`` of the same folder.
    """
    task = predictor.task
    data = predictor.model.generate_model_card().data
    data.model_name = repo_id
    arch = predictor.model.config.arch
    # the mixin's tags name the RNN whatever the architecture
    data.tags = sorted({*(data.tags or []), task.name, arch} - ({*ARCHS} - {arch}))
    if evaluation is not None:
        data.metrics = sorted(evaluation.scores)
        data.eval_results = eval_results(evaluation, task)
    decoding = evaluation.decoding if evaluation else asdict(predictor.decoding)
    examples = task.demo_examples()
    scored = evaluation.scored_baselines() if evaluation else []
    baselines = scored or [{"name": "", "scores": {}}]
    samples = task.card_examples()
    return ModelCard.from_template(
        data,
        template_str=TEMPLATE,
        repo_id=repo_id,
        repo_url=REPO_URL,
        version=__version__,
        task=task.name,
        description=task.description,
        example=examples[0] if examples else "your input text",
        scores=evaluation.scores if evaluation else {},
        precisions=evaluation.precisions if evaluation else {},
        parts=_parts(evaluation, [b["name"] for b in baselines]) if evaluation else {},
        metric=task.selection_metric,
        tolerance=TOLERANCE,
        baselines=baselines,
        samples=list(zip(samples, predictor.translate(samples), strict=True)),
        curve=curve or "",
        split=evaluation.split if evaluation else "",
        examples=evaluation.examples if evaluation else 0,
        decoding=_yaml(decoding),
        architecture=_yaml(predictor.model.config.to_dict()),
        architecture_name=ARCH_NAMES[arch],
        training=_yaml(train_info) if train_info else "",
        data_source=task.data_source or "not stated",
        data_license=task.data_license,
        task_options=_options_text(task),
        max_source_tokens=task.max_source_tokens,
        max_length=decoding["max_length"],
    )


def _parts(evaluation: Evaluation, names: list[str]) -> dict[str, dict[str, Any]]:
    """Each part's examples and scores, and the scores of the baselines ``names``
    on it, in that order (an empty dict for one that part lacks)."""
    parts = {}
    for name, part in evaluation.parts.items():
        by_name = {b["name"]: b["scores"] for b in part["baselines"]}
        parts[name] = {
            "examples": part["examples"],
            "scores": part["scores"],
            "baselines": [by_name.get(baseline, {}) for baseline in names],
        }
    return parts


def public_options(task: Task) -> dict[str, Any]:
    """Task options without the local data folder, which means nothing elsewhere."""
    return {k: v for k, v in task.options().items() if k != "data_dir"}


def _options_text(task: Task) -> str:
    options = public_options(task)
    return ", ".join(f"`{k}={v!r}`" for k, v in options.items()) or "none"


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    """Card metadata drops null values; dropping them first keeps the card's
    ``model-index`` equal to what it was built from."""
    return {k: v for k, v in values.items() if v is not None}


def _yaml(values: dict[str, Any]) -> str:
    return yaml.safe_dump(values, sort_keys=False)


def recorded_training(card_text: str) -> dict[str, Any] | None:
    """The training recipe and progress a card of ``TEMPLATE`` shows, so that a
    model exported again from its folder keeps them."""
    pattern = r"Training recipe and progress:\n\n```yaml\n(.*?)```"
    match = re.search(pattern, card_text, re.S)
    return yaml.safe_load(match.group(1)) if match else None
