"""``s2s-hub space push``: put the demo on a Gradio Space in one commit.

A Space runs ``app.py`` from its repository root and installs ``requirements.txt``
and ``packages.txt`` first, so the commit holds the app, those two files, the
library (``s2s_hub/``) and the built-in task files it imports by path, and the
models: local model folders go in as ``checkpoints/<task>/`` (``upload_folder``
sends the weights through the Hub's large-file storage), Hub repo ids are only
named. The README gets the Space front matter, and ``S2S_HUB_MODELS`` (a Space
variable, changed without a commit) says which model serves which task.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from s2s_hub.files import LAYOUT_FILES
from s2s_hub.hub.push import hub_api, reaching_hub
from s2s_hub.hub.space import (
    BUNDLED_DIR,
    MODELS_ENV,
    default_model_sources,
    hub_models,
    write_space_readme,
)

SPACE_FILES = ("app.py", "requirements.txt", "packages.txt")
HUB_URL = "https://huggingface.co/spaces"
SPACE_README = """# s2s-hub demo

Attention-based RNN encoder-decoder models, one tab per task: n-best outputs with
the model's probabilities, and which source pieces every output piece attended to.
Built with [s2s-hub](https://github.com/s2s-hub/s2s-hub); the models' cards give
their training data and measured scores.
"""


def stage_space(root: Path, models: Mapping[str, list[str]], stage: Path) -> str:
    """Copy what the Space needs from the repository at ``root`` into ``stage``;
    returns the ``S2S_HUB_MODELS`` value that serves ``models`` there."""
    for name in SPACE_FILES:
        shutil.copy2(root / name, stage / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(root / "s2s_hub", stage / "s2s_hub", ignore=skip)
    (stage / "tasks").mkdir()
    for task_file in (root / "tasks").glob("*.py"):
        shutil.copy2(task_file, stage / "tasks" / task_file.name)
    for demo in (root / "tasks").glob("data/*/demo.txt"):  # the data stay behind
        target = stage / demo.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(demo, target)
    served = {
        task: [
            _stage_model(root, source, stage, task, i)
            for i, source in enumerate(sources)
        ]
        for task, sources in models.items()
    }
    write_space_readme(stage / "README.md", hub_models(served, stage))
    readme = (stage / "README.md").read_text("utf-8")
    (stage / "README.md").write_text(readme.rstrip() + "\n\n" + SPACE_README, "utf-8")
    return ",".join(
        f"{task}={source}"
        for task, sources in sorted(served.items())
        for source in sources
    )


def _stage_model(root: Path, source: str, stage: Path, task: str, index: int) -> str:
    """Copy a local model folder to ``checkpoints/<task>[-<n>]``; returns where the
    Space finds it (a Hub repo id stays as it is: the Space downloads it)."""
    folder = Path(source) if Path(source).is_absolute() else root / source
    if not folder.is_dir():
        return source
    name = task if index == 0 else f"{task}-{index + 1}"
    target = stage / BUNDLED_DIR / name
    target.mkdir(parents=True)
    for file in LAYOUT_FILES:
        if (folder / file).is_file():
            shutil.copy2(folder / file, target / file)
    return f"{BUNDLED_DIR}/{name}"


def push_space(
    repo_id: str,
    models: Mapping[str, list[str]] | None = None,
    root: str | Path = ".",
    private: bool = False,
    token: str | None = None,
) -> str:
    """Create or update the Space ``repo_id``; returns its URL.

    Args:
        models: ``{task: [model folder or Hub repo id, ...]}``; default: what the
            demo at ``root`` serves (``S2S_HUB_MODELS`` or the bundled checkpoints).
    """
    root = Path(root).resolve()
    models = dict(models) if models is not None else default_model_sources(root)
    if not models:
        raise ValueError("no models to serve: give --models task=FOLDER_OR_REPO ...")
    what = f"push the Space {repo_id}"
    api = hub_api(repo_id, token, what)
    with reaching_hub(what):
        repo_id = api.create_repo(
            repo_id,
            repo_type="space",
            space_sdk="gradio",
            private=private,
            exist_ok=True,
        ).repo_id
    with tempfile.TemporaryDirectory() as tmp:
        spec = stage_space(root, models, Path(tmp))
        with reaching_hub(what, f"the Space {repo_id} exists, nothing was committed"):
            api.upload_folder(
                repo_id=repo_id,
                repo_type="space",
                folder_path=tmp,
                commit_message="Deploy the s2s-hub demo",
            )
    uploaded = (
        f"the demo was committed to {repo_id} but its variable was not set: set "
        f"{MODELS_ENV}={spec} in the Space's settings"
    )
    with reaching_hub(what, uploaded):
        api.add_space_variable(repo_id, MODELS_ENV, spec)
    return f"{HUB_URL}/{repo_id}"
