"""A wheel install must find the built-in tasks, with no top-level ``tasks`` package."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    return next(out.glob("s2s_hub-*.whl"))


def test_wheel_carries_tasks_inside_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "s2s_hub/builtin_tasks/translation.py" in names
    assert "s2s_hub/builtin_tasks/data/translation-en-de/test.tsv.gz" in names
    assert not any(name.startswith("tasks/") for name in names)


def test_installed_wheel_registers_builtin_tasks(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import s2s_hub, sys; from s2s_hub.registry import get_task, task_names;"
        "print(s2s_hub.__file__); print(task_names());"
        "print(len(get_task('translation').pairs('test')));"
        "print('tasks' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith(str(site))
    for name in ("dialogue", "reverse", "summarization", "translation"):
        assert name in out[1]
    assert out[2] == "1000"
    assert out[3] == "False"
