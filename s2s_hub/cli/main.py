"""``s2s-hub``: the entry point; it finds the command, parses its options, checks
them and runs it.

Each command lives in its own module of ``s2s_hub.cli`` (``COMMANDS``), which
holds ``HELP`` (one line), ``parser()``, ``check(args)`` (what parsing cannot
judge: paths, repo ids, the configs' rules; run before anything is loaded or
written) and ``run(args)``. A module and its ``parser()`` import only the
configs, never torch, Lightning or Gradio, so ``--help`` is quick.

A user's mistake is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from argparse import ArgumentError
from itertools import islice
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jsonargparse import ArgumentParser

# the words of each command, and the module that holds it
COMMANDS = {
    "tasks": "tasks",
    "train": "train",
    "evaluate": "evaluate",
    "predict": "predict",
    "push": "push",
    "export": "export",
    "shortlist": "shortlist",
    "space-card": "space_card",
    "plot": "plot",
    "select": "select",
    "average": "average",
    "tune": "tune",
    "space push": "space_push",
    "data prepare": "data_prepare",
}


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"s2s_hub.cli.{COMMANDS[name]}")


def usage(prefix: str = "") -> str:
    """The commands (those that start with ``prefix``) and what each does."""
    names = [name for name in COMMANDS if name.startswith(prefix)]
    width = max(map(len, names))
    rows = [f"  {name:<{width}}  {_module(name).HELP}" for name in names]
    return "\n".join(
        [
            f"usage: s2s-hub {prefix}COMMAND [OPTIONS]",
            "",
            "Train, evaluate, share and serve sequence-to-sequence models.",
            "",
            "commands:",
            *rows,
            "",
            "Run s2s-hub COMMAND --help for the options of a command.",
        ]
    )


def _command(argv: list[str]) -> str:
    """The command ``argv`` starts with (its name has one or two words)."""
    for words in (2, 1):
        name = " ".join(argv[:words])
        if len(argv) >= words and name in COMMANDS:
            return name
    given = " ".join(argv[:2])
    raise ArgumentError(
        None, f"unknown command {given!r}; the commands: {', '.join(COMMANDS)}"
    )


def positionals_last(parser: ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with the positional arguments moved after the options, so that
    text may come anywhere: argparse would take ``predict CKPT --decode.n_best 2
    "a b"`` for a checkpoint with no text and reject ``"a b"``."""
    options: list[str] = []
    positionals: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            positionals += ["--", *tokens]
            break
        action = parser._option_string_actions.get(token)
        if action is None:
            (options if token.startswith("-") else positionals).append(token)
        elif action.nargs is None:  # one value, which may start with "-"
            options += [token, *islice(tokens, 1)]
        elif action.nargs == 0:
            options.append(token)
        else:  # a list: leave the rest as it is
            return [*options, *positionals, token, *tokens]
    return [*options, *positionals]


def _one_line(error: BaseException) -> str:
    """The error's text on one line, options named as they are typed."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    union = re.search(r"Subtypes: \[(.*?)\].*Given value: (.*)$", text)
    if union:  # jsonargparse lists every type it tried: say what was wanted
        kinds = re.findall(r"<class '(?:\w+\.)*(\w+)'>", union[1])
        wanted = " or ".join("null" if k == "NoneType" else k for k in kinds)
        text = f"{text.split(':')[0]}: expected {wanted}, got {union[2]!r}"
    text = re.sub(
        r"Expected a <class '(?:\w+\.)*(\w+)'>\. Got value: (.*)$",
        r"expected \1, got \2",
        text,
    )
    return re.sub(r'Parser key "([^"]+)"', r"--\1", text)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``s2s-hub`` console script."""
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    group = [name for name in COMMANDS if name.startswith(f"{argv[0]} ")]
    if group and (len(argv) == 1 or argv[1] in ("-h", "--help")):
        print(usage(f"{argv[0]} "))
        return 0 if len(argv) > 1 else 2
    try:
        name = _command(argv)
        module = _module(name)
        rest = argv[len(name.split()) :]
        if name == "train":
            parser = module.parser(module.named_task(rest))
        else:
            parser = module.parser()
        parser.prog = f"s2s-hub {name}"
        args = parser.parse_args(positionals_last(parser, rest))
        if hasattr(module, "check"):  # tasks has nothing to check
            module.check(args)
        module.run(args)
    except (ArgumentError, ValueError, KeyError, FileNotFoundError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"s2s-hub: error: {_one_line(message)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
