"""Command-line options made from config dataclasses, with the right precedence:
dataclass default < the task's recipe < ``--config`` YAML < command-line flags.

The first two are the parser's defaults (``defaults``: the recipe of the task the
command line names), so ``--help`` and ``--print_config`` show the values a run
would use; jsonargparse applies the last two.
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
    parser: ArgumentParser,
    cls: type,
    prefix: str,
    skip: frozenset[str] = frozenset(),
    defaults: dict[str, Any] | None = None,
) -> None:
    """Add ``--prefix.field`` for each field of dataclass ``cls``, defaulting to
    ``defaults`` (a task's recipe) over the dataclass's own default. Without
    ``defaults`` every option defaults to None, for the caller to fill from
    elsewhere (a model's stored decoding settings)."""
    hints = typing.get_type_hints(cls)
    helps = _field_help(cls)
    for field in dataclasses.fields(cls):
        if field.name in skip:
            continue
        default = None
        if defaults is not None:
            default = defaults.get(field.name, field.default)
            default = None if default is dataclasses.MISSING else default
        kind = hints[field.name]
        parser.add_argument(
            f"--{prefix}.{field.name}",
            type=kind | None if default is None else kind,
            default=default,
            help=helps.get(field.name, ""),
        )


def given(namespace: Namespace, prefix: str) -> dict[str, Any]:
    """The ``prefix`` options that hold a value (given, or the parser's default),
    as a dict."""
    group = namespace.get(prefix)
    if group is None:
        return {}
    return {key: value for key, value in vars(group).items() if value is not None}
