"""Task registry: built-in discovery by path, names, errors and third-party plugins."""

import dataclasses
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from s2s_hub import registry
from s2s_hub.registry import Task, get_task, register_task, task_names

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_builtin_tasks_are_found_without_a_tasks_package():
    assert "reverse" in task_names()
    assert "tasks" not in sys.modules
    assert get_task("reverse").pairs("dev")[0].target.count(" ") == 7


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(KeyError, match="unknown task 'nope'; known tasks: .*reverse"):
        get_task("nope")


def test_unknown_option_is_named():
    with pytest.raises(ValueError, match="no option\\(s\\) \\['lenght'\\]"):
        get_task("reverse", lenght=3)


def test_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="task name 'reverse' is taken"):

        @register_task("reverse")
        @dataclass(frozen=True)
        class Impostor(Task):
            pass


def test_a_name_taken_by_two_routes_names_both_and_how_to_keep_one(tmp_path):
    (tmp_path / "reverse_again.py").write_text(
        "from s2s_hub.registry import Task, register_task\n"
        "@register_task('reverse')\n"
        "class Reverse(Task):\n"
        "    pass\n"
    )
    with pytest.raises(ValueError) as refused:
        registry.import_tasks_dir(tmp_path, prefix="s2s_hub_test_twice")
    message = str(refused.value)
    assert "from built-in file" in message and "reverse.py" in message
    assert f"from S2S_HUB_USER_DIR file {tmp_path / 'reverse_again.py'}" in message
    assert "Keep one: uninstall the package or remove the file" in message


def test_user_dir_tasks_register(tmp_path, monkeypatch):
    (tmp_path / "echo_task.py").write_text(
        "from s2s_hub.registry import Task, register_task\n"
        "@register_task('echo-user-dir')\n"
        "class Echo(Task):\n"
        "    description = 'echo'\n"
    )
    registry.import_tasks_dir(tmp_path)
    assert "echo-user-dir" in task_names()
    assert get_task("echo-user-dir").options() == {"data_dir": None}


def test_installed_plugin_lists_trains_and_gets_a_demo_tab(tmp_path):
    source = shutil.copytree(EXAMPLES / "upper-plugin", tmp_path / "upper-plugin")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    env = {"PYTHONPATH": str(target), "PATH": os.environ["PATH"], "HOME": str(tmp_path)}

    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=tmp_path,
        ).stdout

    listing = run("-m", "s2s_hub.cli.main", "tasks")
    assert "upper " in listing and "third-party plugin" in listing
    assert "reverse " in listing
    out = tmp_path / "run"
    run(
        "-m",
        "s2s_hub.cli.main",
        "train",
        "--task",
        "upper",
        "--accelerator",
        "cpu",
        "--train.max_steps",
        "3",
        "--train.out_dir",
        str(out),
    )
    checkpoint = out / "checkpoints" / "last.ckpt"
    assert checkpoint.is_file()
    tabs = run(
        "-c",
        (
            "from s2s_hub.app import build_demo;"
            "from s2s_hub.app.models import tab_models;"
            f"models = tab_models(sources={{'upper': ['{checkpoint}']}});"
            "build_demo(models);"
            "print([(m.task.name, m.predictor is not None) for m in models])"
        ),
    )
    assert "('upper', True)" in tabs


def test_a_built_task_is_immutable_and_varies_by_replace():
    task = get_task("translation", target_lang="fr")
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.data_dir = "elsewhere"
    variant = dataclasses.replace(task, data_dir="elsewhere")
    assert (variant.data_dir, variant.target_label) == ("elsewhere", "French")
    assert task.data_dir is None
    with pytest.raises(ValueError, match="a language is a code"):
        dataclasses.replace(task, source_lang="French!")
