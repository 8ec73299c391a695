"""``s2s-hub push``: export a checkpoint, score it and upload it to the Hub."""

from __future__ import annotations

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import add_publish_options, command_parser

HELP = "Export, score and upload a checkpoint to the Hub."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument("checkpoint", type=str, help="The best .ckpt of a training run")
    add_publish_options(parser)
    parser.add_argument("--repo_id", type=str, required=True, help="Hub repo, ORG/NAME")
    parser.add_argument(
        "--private", action="store_true", help="Create the repo as private"
    )
    parser.add_argument(
        "--revision",
        type=str | None,
        default=None,
        help="Branch to push to (created if missing)",
    )
    return parser


def check(args: Namespace) -> None:
    checkpoint = args.checkpoint
    checks.refuse(
        checks.model_source("CHECKPOINT", checkpoint)
        or (
            ""
            if checkpoint.endswith(".ckpt")
            else f"CHECKPOINT must be a .ckpt "
            f"file of a run, got {checkpoint} (export a model folder, then upload "
            "it with `hf upload`)"
        ),
        checks.input_file("--reuse_scores", args.reuse_scores),
        checks.repo_id("--repo_id", args.repo_id),
        checks.branch("--revision", args.revision),
    )


def run(args: Namespace) -> None:
    from s2s_hub.hub import push

    url = push(
        args.checkpoint,
        args.repo_id,
        private=args.private,
        revision=args.revision,
        reuse_scores=args.reuse_scores,
        half=args.half,
    )
    print(f"pushed: {url}")
