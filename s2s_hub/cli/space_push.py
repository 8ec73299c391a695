"""``s2s-hub space push``: create or update a Gradio Space that serves the
demo with the given models."""

from __future__ import annotations

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import command_parser

HELP = "Create or update a Gradio Space that serves the demo."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument("repo_id", type=str, help="The Space, ORG/NAME")
    parser.add_argument(
        "--models",
        type=str,
        nargs="*",
        default=None,
        help="task=MODEL_FOLDER_OR_REPO_ID entries (default: what the demo here "
        "serves: S2S_HUB_MODELS or checkpoints/<task>)",
    )
    parser.add_argument(
        "--private", action="store_true", help="Create the Space as private"
    )
    return parser


def check(args: Namespace) -> None:
    from s2s_hub.hub.space import parse_sources

    problems = [checks.repo_id("REPO_ID", args.repo_id)]
    if args.models is not None:
        try:
            sources = parse_sources(",".join(args.models))
        except ValueError as error:
            problems.append(f"--models: {error}")
        else:
            problems += [
                checks.model_source("--models", source)
                for task_sources in sources.values()
                for source in task_sources
            ]
    checks.refuse(*problems)


def run(args: Namespace) -> None:
    from s2s_hub.hub.space import parse_sources
    from s2s_hub.hub.space_push import push_space

    models = parse_sources(",".join(args.models)) if args.models else None
    print(push_space(args.repo_id, models, private=args.private))
