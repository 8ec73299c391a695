"""``s2s-hub average``: average the weights of several checkpoints of one run
into a new checkpoint.

The output loads, evaluates and exports like any checkpoint of the run (the newest
input's tokenizer, recipe and step); it cannot be resumed. Written into the run's
``checkpoints/`` folder, ``s2s-hub select`` weighs it against ``best.ckpt`` and
``last.ckpt`` on the dev split.
"""

from __future__ import annotations

from pathlib import Path

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import command_parser

HELP = "Average the weights of checkpoints of one run into a new checkpoint."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument("out", type=str, help="The .ckpt to write")
    parser.add_argument(
        "checkpoints", type=str, nargs="+", help="Two or more .ckpt files of one run"
    )
    return parser


def check(args: Namespace) -> None:
    checks.refuse(
        "" if args.out.endswith(".ckpt") else f"OUT must end in .ckpt, got {args.out}",
        checks.output_file("OUT", args.out),
        "" if len(args.checkpoints) > 1 else "CHECKPOINTS: give two or more .ckpt",
        *(
            checks.input_file("CHECKPOINTS", path)
            or ("" if path.endswith(".ckpt") else f"CHECKPOINTS: {path} is no .ckpt")
            for path in args.checkpoints
        ),
    )


def run(args: Namespace) -> None:
    from s2s_hub.training.averaging import save_average

    inputs = [Path(path) for path in args.checkpoints]
    print(save_average(inputs, Path(args.out)))
