"""Checks of option values that parsing cannot make, run before a command loads
or writes anything. Each returns the problem, naming the option, or ``""``;
``refuse`` raises them all in one message."""

from __future__ import annotations

import re
from pathlib import Path

# a branch name git accepts (the Hub creates branches with git's rules)
BRANCH = re.compile(r"(?!-)(?!.*\.\.)(?!.*//)[^\s~^:?*\[\\]+(?<![./])")


def refuse(*problems: str) -> None:
    """Raise the problems found (if any) as one ``ValueError``."""
    found = [problem for problem in problems if problem]
    if found:
        raise ValueError("; ".join(found))


def repo_id(option: str, value: str | None) -> str:
    """A Hub repo id, ORG/NAME or NAME."""
    if value is None:
        return ""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(value)
    except HFValidationError:
        return f"{option} must be a Hub repo id (ORG/NAME), got {value!r}"
    return ""


def model_source(option: str, value: str | None) -> str:
    """A ``.ckpt`` file, a model folder, or else a Hub repo id."""
    if value is None:
        return ""
    path = Path(value)
    if path.suffix == ".ckpt":
        return "" if path.is_file() else f"{option}: no checkpoint file {value}"
    if path.exists():
        return "" if path.is_dir() else f"{option}: {value} is not a model folder"
    if repo_id(option, value):
        return f"{option}: {value} is not a .ckpt file, a model folder or a Hub repo id"
    return ""


def folder(option: str, value: str | None) -> str:
    """An existing folder (None: not given)."""
    if value is None or Path(value).is_dir():
        return ""
    return f"{option}: {value} is not a folder"


def input_file(option: str, value: str | None) -> str:
    """An existing file (None: not given)."""
    if value is None or Path(value).is_file():
        return ""
    return f"{option}: no file {value}"


def output_file(option: str, value: str | None) -> str:
    """A file that can be written: not a folder, and not under a file."""
    if value is None:
        return ""
    path = Path(value)
    if path.is_dir():
        return f"{option}: {value} is a folder, not a file"
    return output_folder(option, str(path.parent))


def output_folder(option: str, value: str | None) -> str:
    """A folder that exists or can be made: no file in its way."""
    if value is None:
        return ""
    path = Path(value)
    for part in (path, *path.parents):
        if part.exists():
            return "" if part.is_dir() else f"{option}: {part} is a file, not a folder"
    return ""


def at_least(option: str, value: int | None, low: int) -> str:
    """A number of at least ``low`` (None: not given)."""
    if value is None or value >= low:
        return ""
    return f"{option} must be >= {low}, got {value}"


def one_of(option: str, value: str | None, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (None: not given)."""
    if value is None or value in choices:
        return ""
    return f"{option} must be one of {', '.join(choices)}, got {value!r}"


def branch(option: str, value: str | None) -> str:
    """A git branch name (None: not given)."""
    if value is None or BRANCH.fullmatch(value):
        return ""
    return f"{option} must be a branch name, got {value!r}"
