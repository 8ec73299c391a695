"""The options of commands that decode with a model (``evaluate``, ``predict``),
and how they are applied: the model is loaded with its serving options, and the
``--decode.*`` flags given override the model's own decoding settings."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli.options import add_dataclass_options, given
from s2s_hub.cli.parsers import command_parser

if TYPE_CHECKING:
    from s2s_hub.predictor import Predictor
    from s2s_hub.search.config import DecodeConfig


def decode_parser(description: str) -> ArgumentParser:
    """A parser with the model to load, how to serve it and how to decode."""
    from s2s_hub.search.config import DecodeConfig
    from s2s_hub.serving.config import PRECISIONS, RUNTIMES

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
        help=f"Number format of the model: {', '.join(PRECISIONS)}",
    )
    parser.add_argument(
        "--runtime",
        type=str,
        default="torch",
        help=f"{', '.join(RUNTIMES)} (a folder written by export --onnx)",
    )
    return parser


def load_predictor(args: Namespace) -> Predictor:
    """The model ``args.checkpoint`` names, served as ``--precision`` and
    ``--runtime`` say."""
    from s2s_hub.hub import load

    return load(args.checkpoint, precision=args.precision, runtime=args.runtime)


def decode_config(args: Namespace, default: DecodeConfig) -> DecodeConfig:
    """``default`` (the model's decoding) with the ``--decode.*`` flags given."""
    from s2s_hub.search.config import DecodeConfig

    return DecodeConfig(**{**asdict(default), **given(args, "decode")})
