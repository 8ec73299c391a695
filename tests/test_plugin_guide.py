"""docs/plugins.md, followed as a user would: its example is the installable one, its
table names every member a task can override, and its commands run as written and
print what it says they print."""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from s2s_hub.registry import Task

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "upper-plugin"
# what each command of the guide needs before it runs here: pip installs into a
# folder of the test instead of the environment, s2s-hub is this checkout's, and
# app.py builds its demo without serving it
INSTALL_ISOLATED = ["--quiet", "--no-deps", "--no-build-isolation", "--target"]
SHOW_TABS = (
    "import runpy;"
    "blocks = runpy.run_path({app!r})['demo'].blocks.values();"
    "print([b.label for b in blocks if type(b).__name__ == 'Tab'])"
)
# outputs that only a trained model prints
LEARNED = ("s2s-hub evaluate", "s2s-hub predict")
# the quick run's smaller recipe: the commands work, not the model
QUICK_TRAIN = [
    "--train.max_epochs",
    "1",
    "--task_options",
    '{"train_size": 200, "eval_size": 20}',
]


def section(title: str) -> str:
    return GUIDE.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def guide_commands() -> list[tuple[str, str]]:
    """(command, what its output must contain) for each line of section 3; the
    expected text follows ``# ->``, with ``...`` where a path varies."""
    (block,) = re.findall(r"```bash\n(.*?)```", section("3. Use it"), re.S)
    lines = []
    for line in block.strip().splitlines():
        command, _, expected = line.partition("# ->")
        lines.append((command.strip(), expected.strip()))
    return lines


def test_the_guide_shows_the_example_s_task_as_it_is():
    (block,) = re.findall(r"```python\n(.*?)```", section("1. The task"), re.S)
    path, _, code = block.partition("\n")
    assert path == "# examples/upper-plugin/s2s_hub_upper/task.py"
    source = (ROOT / path.removeprefix("# ")).read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source), clean=False)
    assert source.split(f'"""{docstring}"""\n', 1)[1].strip() == code.strip()


def test_the_override_table_names_every_member_of_a_task():
    table = section("1. The task").split("### What a task can override", 1)[1]
    first_cells = re.findall(r"^\| ([^|]+) \|", table, re.M)
    named = {name for cell in first_cells for name in re.findall(r"`(\w+)", cell)}
    members = {
        name
        for name in vars(Task)
        if not name.startswith("_") and name not in ("name", "data_dir")
    }
    assert members - named == set(), "members the guide does not name"
    assert named - members == set(), "names the guide gives that Task lacks"


@pytest.mark.parametrize(
    "full", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["quick", "full"]
)
def test_the_guide_s_commands_run_as_written(full, tmp_path):
    """Every command of section 3, in order, in a fresh folder holding a copy of the
    example; each prints what its ``# ->`` comment says. The quick run trains one
    small epoch and checks the outputs that need no trained model; the full run
    (--runslow) is the guide word for word, and its model upper-cases the whole
    test split."""
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "upper-plugin")
    site = tmp_path / "site"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "HOME": str(tmp_path),
    }
    env.pop("S2S_HUB_MODELS_ONLY", None)
    commands = guide_commands()
    assert [c.split(" --")[0].split(" ")[:2] for c, _ in commands] == [
        ["pip", "install"],
        ["s2s-hub", "tasks"],
        ["s2s-hub", "train"],
        ["s2s-hub", "evaluate"],
        ["s2s-hub", "predict"],
        ["s2s-hub", "export"],
        ['S2S_HUB_MODELS="upper=exports/upper"', "python"],
    ], "a command the test does not know how to run: teach it, then keep it here"
    for command, expected in commands:
        words = shlex.split(command)
        if words[0] == "pip":
            argv = [sys.executable, "-m", *words, *INSTALL_ISOLATED, str(site)]
        elif words[0] == "s2s-hub":
            argv = [sys.executable, "-m", "s2s_hub.cli.main", *words[1:]]
            if words[1] == "train" and not full:
                argv += QUICK_TRAIN
        else:
            variable, value = words[0].split("=", 1)
            env[variable] = value
            assert words[1:] == ["python", "app.py"]
            app = str(ROOT / "app.py")
            argv = [sys.executable, "-c", SHOW_TABS.format(app=app)]
        result = subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{command}\n{result.stderr[-3000:]}"
        if full or not command.startswith(LEARNED):
            # "..." in the guide stands for the part of a path that varies
            pattern = ".*".join(map(re.escape, expected.split("...")))
            assert re.search(pattern, result.stdout), f"{command}\n{result.stdout}"
    tabs = result.stdout
    assert "Translation" in tabs, "the user's model must join the bundled ones"
