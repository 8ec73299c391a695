"""The options of commands that decode with a model (``evaluate``, ``predict``),
and how they are applied: the model is loaded with its serving options, and the
``--decode.*`` flags given override the model's own decoding settings."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.options import add_dataclass_options, given
from s2s_hub.cli.parsers import command_parser

if TYPE_CHECKING:
    from s2s_hub.predictor import Predictor
    from s2s_hub.search.config import DecodeConfig


def decode_parser(description: str) -> ArgumentParser:
    """A parser with the model to load, how to serve it and how to decode."""
    from s2s_hub.search.config import DecodeConfig
    from s2s_hub.serving.config import AUTO, PRECISIONS, RUNTIMES

    parser = command_parser(description)
    parser.add_argument(
        "checkpoint", type=str, help="A .ckpt file, an exported folder or a Hub repo id"
    )
    add_dataclass_options(parser, DecodeConfig, "decode")
    parser.add_argument(
        "--batch_size", type=int, default=64, help="Sentences per batch"
    )
    parser.add_argument(
        "--precision",
        type=str,
        default="fp32",
        help=f"Number format of the model: {', '.join(PRECISIONS)}, or {AUTO} "
        "(the fastest here within 0.3 of fp32's score, as the card records it)",
    )
    parser.add_argument(
        "--runtime",
        type=str,
        default="torch",
        help=f"{', '.join(RUNTIMES)} (a folder written by export --onnx)",
    )
    parser.add_argument(
        "--shortlist",
        type=bool,
        default=False,
        help="With --runtime onnxruntime, score only each batch's shortlist of "
        "target tokens (the folder's, from s2s-hub shortlist)",
    )
    return parser


def decoding_problems(args: Namespace) -> list[str]:
    """What is wrong with the model, serving and ``--decode.*`` options."""
    from s2s_hub.search.config import DecodeConfig
    from s2s_hub.serving.config import ServingConfig

    problems = [
        checks.model_source("CHECKPOINT", args.checkpoint),
        checks.at_least("--batch_size", args.batch_size, 1),
    ]
    for build in (
        lambda: ServingConfig(args.precision, args.runtime, args.shortlist),
        # the model's own settings are not known yet: where a value is checked
        # against another, the other is one that lets the given value pass
        lambda: DecodeConfig(**_with_room(given(args, "decode"))),
    ):
        try:
            build()
        except ValueError as error:
            problems.append(str(error))
    return problems


def _with_room(decode: dict) -> dict:
    n_best, min_length = decode.get("n_best", 1), decode.get("min_length", 0)
    return {
        "beam_size": max(n_best, 1),
        "max_length": max(min_length, 1),
        **decode,
    }


def load_predictor(args: Namespace) -> Predictor:
    """The model ``args.checkpoint`` names, served as ``--precision``,
    ``--runtime`` and ``--shortlist`` say."""
    from s2s_hub.hub import load

    return load(
        args.checkpoint,
        precision=args.precision,
        runtime=args.runtime,
        shortlist=args.shortlist,
    )


def decode_config(args: Namespace, default: DecodeConfig) -> DecodeConfig:
    """``default`` (the model's decoding) with the ``--decode.*`` flags given."""
    from s2s_hub.search.config import DecodeConfig

    return DecodeConfig(**{**asdict(default), **given(args, "decode")})
