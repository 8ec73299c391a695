"""Running this repository as a Gradio Space: which models to serve, and the
README front matter that tells the Space how to start.

A Space runs ``app.py`` from the repository root. It serves the exported models
bundled in ``checkpoints/`` next to ``app.py`` (a folder per model), with the
tasks that the ``S2S_HUB_MODELS`` environment variable (a Space variable, set
without a commit) names added or replaced; ``S2S_HUB_MODELS_ONLY=1`` serves only
those.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path

from huggingface_hub import SpaceCard, SpaceCardData
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from s2s_hub.files import CONFIG_FILE
from s2s_hub.model.seq2seq import LICENSE

MODELS_ENV = "S2S_HUB_MODELS"
#: set to 1 (or true, yes): serve only ``S2S_HUB_MODELS``, none of the bundled models
MODELS_ONLY_ENV = "S2S_HUB_MODELS_ONLY"
BUNDLED_DIR = "checkpoints"


def default_model_sources(root: str | Path = ".") -> dict[str, list[str]]:
    """``{task: [repo id or path, ...]}`` of the models the demo serves: the first
    of a task gets the task's tab, and all of them meet in the Compare tab.

    The bundled models, with each task that ``S2S_HUB_MODELS`` names served by
    the models it lists instead (a task it does not name keeps its bundled model);
    with ``S2S_HUB_MODELS_ONLY=1``, only the models ``S2S_HUB_MODELS`` lists.

    Args:
        root: the folder of ``app.py``, which holds the bundled ``checkpoints/``.

    Raises:
        ValueError: an entry of ``S2S_HUB_MODELS`` is not ``task=repo_or_path``
            or repeats another.
    """
    listed = parse_sources(os.environ.get(MODELS_ENV, ""))
    only = os.environ.get(MODELS_ONLY_ENV, "").strip().lower() in ("1", "true", "yes")
    return listed if only else {**bundled_model_sources(root), **listed}


def bundled_model_sources(root: str | Path = ".") -> dict[str, list[str]]:
    """``{task: [folder, ...]}`` of the models in ``root/checkpoints/``, by the task
    each folder's ``config.json`` names (else the folder's name), so that
    ``translation-en-zh/`` serves translation beside ``translation/``."""
    bundled = Path(root) / BUNDLED_DIR
    if not bundled.is_dir():
        return {}
    sources: dict[str, list[str]] = {}
    for folder in sorted(bundled.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            sources.setdefault(_bundled_task(folder), []).append(str(folder))
    return sources


def _bundled_task(folder: Path) -> str:
    """The task ``folder/config.json`` names; the folder's name without one."""
    config = folder / CONFIG_FILE
    if not config.is_file():
        return folder.name
    return json.loads(config.read_text(encoding="utf-8")).get("task", folder.name)


def parse_sources(spec: str) -> dict[str, list[str]]:
    """Parse ``task=repo_or_path`` entries separated by commas; a task may come
    more than once (``translation=org/bahdanau,translation=org/local-p``)."""
    sources: dict[str, list[str]] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        task, _, source = (part.strip() for part in entry.partition("="))
        if not task or not source:
            raise ValueError(
                f"{MODELS_ENV} entry {entry!r} is not task=repo_or_path "
                "(e.g. reverse=org/reverse-bahdanau,chitchat=checkpoints/chitchat)"
            )
        if source in sources.get(task, []):
            raise ValueError(f"{MODELS_ENV} names {task}={source} twice")
        sources.setdefault(task, []).append(source)
    return sources


def hub_models(sources: dict[str, list[str]], root: str | Path = ".") -> list[str]:
    """The sources that ``load`` would fetch from the Hub, for the Space's
    ``models:`` metadata; paths are relative to ``root``, the folder of ``app.py``."""
    return sorted(
        s
        for task_sources in sources.values()
        for s in task_sources
        if not (Path(root) / s).exists() and _is_repo_id(s)
    )


def _is_repo_id(name: str) -> bool:
    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return "/" in name


def write_space_readme(
    readme: str | Path, models: list[str], title: str = "s2s-hub"
) -> None:
    """Set the Space front matter of ``readme``, keeping (or starting) its text.

    Args:
        models: Hub repo ids the app loads; the Hub links them to the Space.
    """
    readme = Path(readme)
    card = SpaceCard(
        readme.read_text(encoding="utf-8") if readme.exists() else f"# {title}\n"
    )
    card.data = SpaceCardData(
        title=title,
        sdk="gradio",
        sdk_version=version("gradio"),
        app_file="app.py",
        license=LICENSE,
        models=models,
    )
    card.save(readme)
