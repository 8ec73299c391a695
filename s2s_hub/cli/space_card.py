"""``s2s-hub space-card``: write the Gradio Space front matter into a README."""

from __future__ import annotations

from pathlib import Path

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import command_parser

HELP = "Write the Gradio Space front matter into a README."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument(
        "readme",
        type=str,
        nargs="?",
        default="README.md",
        help="README of the Space; its folder holds app.py",
    )
    parser.add_argument(
        "--models",
        type=str,
        nargs="*",
        default=None,
        help="Hub repo ids the app loads (default: S2S_HUB_MODELS)",
    )
    return parser


def check(args: Namespace) -> None:
    checks.refuse(
        checks.output_file("README", args.readme),
        *(checks.repo_id("--models", model) for model in args.models or ()),
    )


def run(args: Namespace) -> None:
    from s2s_hub.hub.space import default_model_sources, hub_models, write_space_readme

    readme = Path(args.readme)
    models = args.models
    if models is None:
        models = hub_models(default_model_sources(readme.parent), readme.parent)
    write_space_readme(readme, models)
    print(f"wrote Space front matter to {readme}")
