"""The README and the docs site: the site builds strictly, and what the README
names (files, links, commands) exists."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
REPO_URL = "https://github.com/s2s-hub/s2s-hub/"
DOCS_TOOLS = ("mkdocs", "mkdocstrings_handlers.python", "material")


def _missing_docs_tools() -> list[str]:
    return [name for name in DOCS_TOOLS if importlib.util.find_spec(name) is None]


def _code_blocks(text: str) -> str:
    return "\n".join(re.findall(r"```(?:bash|python)\n(.*?)```", text, re.S))


@pytest.mark.skipif(
    bool(_missing_docs_tools()),
    reason="the docs extra is not installed (pip install -e '.[docs]'): "
    "mkdocs, mkdocstrings[python] and mkdocs-material",
)
def test_docs_site_builds_strictly(tmp_path):
    """Warnings are errors: a broken link or anchor, a page left out of the nav or
    an API name mkdocstrings cannot find fails the build."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    api = (tmp_path / "reference" / "api" / "index.html").read_text()
    for name in (
        "hub.loading.load",
        "model.config.Seq2SeqConfig",
        "training.config.TrainConfig",
        "search.config.DecodeConfig",
        "registry.Task",
        "registry.register_task",
    ):
        assert f'id="s2s_hub.{name}"' in api, f"no API reference for {name}"


def test_readme_is_short():
    assert len(README.splitlines()) <= 250


def test_readme_links_and_pictures_exist():
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [t for t in targets if "://" not in t]
    assert local, "no relative links found: the pattern is wrong"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, missing


def test_docs_links_to_the_repository_name_files_that_exist():
    """Pages link to files outside docs/ through the repository's URL, which the
    strict build cannot check: they are checked here against the work tree."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    pattern = re.escape(REPO_URL) + r"(?:blob|tree)/main/([^)\s#]+)"
    missing = [
        f"{page.name}: {path}"
        for page in pages
        for path in re.findall(pattern, page.read_text(encoding="utf-8"))
        if not (ROOT / path).exists()
    ]
    assert not missing, missing


def test_readme_and_guides_use_commands_of_the_cli():
    """Every ``s2s-hub WORD`` in the code of the README and the guides is a command
    that the CLI lists, and every script they run exists. The lab notes are left
    out: they record what was run at the time."""
    guides = [p for p in (ROOT / "docs").glob("*.md") if p.name != "lab-notes.md"]
    code = "\n".join(_code_blocks(p.read_text(encoding="utf-8")) for p in guides)
    code += _code_blocks(README)
    code = re.sub(r"(^|\s)#.*", "", code, flags=re.M)  # comments are prose
    used = set(re.findall(r"s2s-hub ([a-z][a-z-]*)", code))
    assert {"train", "evaluate", "export", "select", "space"} <= used
    usage = subprocess.run(
        [sys.executable, "-m", "s2s_hub.cli.main", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    listed = set(re.findall(r"^  ([a-z][a-z-]*)", usage, re.M))
    assert not used - listed, (used - listed, usage)
    scripts = re.findall(r"(?:python|bash) ((?:bench|scripts)/\S+\.(?:py|sh))", code)
    assert not [s for s in scripts if not (ROOT / s).exists()], scripts
    assert (ROOT / "run").exists() and (ROOT / "app.py").exists()
