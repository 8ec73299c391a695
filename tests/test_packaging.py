"""A wheel install must find the built-in tasks, with no top-level ``tasks`` package;
every package the code imports is declared."""

import ast
import importlib.metadata
import re
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


def imported_modules() -> set[str]:
    """Top-level modules the library, the task plugins and the app import."""
    files = [*ROOT.glob("s2s_hub/**/*.py"), *ROOT.glob("tasks/*.py"), ROOT / "app.py"]
    modules = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"s2s_hub", "__future__"}


def test_every_imported_package_is_a_declared_dependency():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        requirements += extra  # imported only where the extra is needed
    declared = {
        re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in requirements
    }
    providers = importlib.metadata.packages_distributions()
    undeclared = {
        module: providers.get(module)
        for module in imported_modules()
        if not {d.lower().replace("_", "-") for d in providers.get(module, [])}
        & declared
    }
    assert not undeclared, (
        f"imported but not declared (module: installers): {undeclared}"
    )
