"""The model behind each tab, loaded through the Hub loader once per process."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from s2s_hub import hub
from s2s_hub.hub.space import default_model_sources
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task, iter_tasks
from s2s_hub.serving.config import AUTO

log = logging.getLogger(__name__)

#: the precision the demo's models are loaded in (``s2s_hub.serving``): fp32, bf16,
#: int8 or auto; unset, auto (the fastest path on this CPU that the card allows)
PRECISION_ENV = "S2S_HUB_PRECISION"


@dataclass(frozen=True)
class TabModel:
    """A task and its predictor, or the reason it has none.

    Attributes:
        task: what the tab shows; the checkpoint's own task options when they
            describe the same task (e.g. its language pair), else the registry's.
        source: the repo id or path the model was loaded from.
        predictor: the loaded model, None when there is none.
        problem: why ``predictor`` is None, in a sentence.
    """

    task: Task
    source: str | None = None
    predictor: Predictor | None = None
    problem: str | None = None


@functools.cache
def load_predictor(source: str) -> Predictor:
    """The predictor at ``source``, in the precision ``S2S_HUB_PRECISION`` names
    (unset: auto, ``s2s_hub.serving.auto``); loaded once, shared afterwards."""
    precision = os.environ.get(PRECISION_ENV) or AUTO
    return hub.load(source, precision=precision)


def tab_model(task: Task, source: str | None) -> TabModel:
    """Load ``task``'s model from ``source``; a failure becomes ``problem``."""
    if source is None:
        return TabModel(task, problem="No trained model is configured for this task.")
    try:
        predictor = load_predictor(source)
    except Exception as error:  # one broken model must not take the other tabs down
        log.exception("cannot load the %s model from %s", task.name, source)
        return TabModel(
            task, source, problem=f"The model at {source} could not be loaded: {error}"
        )
    if predictor.task.name != task.name:
        log.warning(
            "the %s tab uses %s, a model trained for %s",
            task.name,
            source,
            predictor.task.name,
        )
        return TabModel(task, source, predictor)
    return TabModel(predictor.task, source, predictor)


def tab_models(
    tasks: Iterable[Task] | None = None,
    sources: Mapping[str, list[str]] | None = None,
) -> list[TabModel]:
    """A ``TabModel`` per task and source (one without a model for a task that has
    no source), by default for every registered task with the bundled checkpoints
    and the models ``S2S_HUB_MODELS`` adds or puts in their place
    (``hub.space.default_model_sources``)."""
    tasks = iter_tasks() if tasks is None else tasks
    sources = default_model_sources() if sources is None else sources
    return [
        tab_model(task, source)
        for task in tasks
        for source in sources.get(task.name) or [None]
    ]
