"""Command-line options made from config dataclasses, with the right precedence.

Every option defaults to None on the command line, so that what the user did not say
falls back to the task's recipe and then to the dataclass default, in that order:
dataclass default < task defaults < ``--config`` YAML < command-line flags.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import docstring_parser
from jsonargparse import ArgumentParser, Namespace


def _field_help(cls: type) -> dict[str, str]:
    """Descriptions from the class docstring's ``Attributes:`` section."""
    parsed = docstring_parser.parse(cls.__doc__ or "")
    return {p.arg_name: " ".join((p.description or "").split()) for p in parsed.params}


def add_dataclass_options(
    parser: ArgumentParser, cls: type, prefix: str, skip: frozenset[str] = frozenset()
) -> None:
    """Add ``--prefix.field`` for each field of dataclass ``cls``."""
    hints = typing.get_type_hints(cls)
    helps = _field_help(cls)
    for field in dataclasses.fields(cls):
        if field.name in skip:
            continue
        default = (
            ""
            if field.default is dataclasses.MISSING
            else f" (default: {field.default})"
        )
        parser.add_argument(
            f"--{prefix}.{field.name}",
            type=hints[field.name] | None,
            default=None,
            help=helps.get(field.name, "") + default,
        )


def given(namespace: Namespace, prefix: str) -> dict[str, Any]:
    """The ``prefix`` options that the user set, as a dict."""
    group = namespace.get(prefix)
    if group is None:
        return {}
    return {key: value for key, value in vars(group).items() if value is not None}
