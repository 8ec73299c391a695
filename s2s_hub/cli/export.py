"""``s2s-hub export``: write a model in the Hub layout, what ``push`` uploads."""

from __future__ import annotations

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli.parsers import add_publish_options, command_parser

HELP = "Write a checkpoint in the Hub layout: what push uploads."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument("checkpoint", type=str, help="The best .ckpt of a training run")
    add_publish_options(parser)
    parser.add_argument("out_dir", type=str, help="Folder to write")
    parser.add_argument(
        "--repo_id",
        type=str | None,
        default=None,
        help="Repo named in the model card (default: the folder name)",
    )
    parser.add_argument(
        "--onnx",
        action="store_true",
        help="Also write encoder.onnx and decoder_step.onnx, for --runtime "
        "onnxruntime (needs the onnx extra)",
    )
    return parser


def run(args: Namespace) -> None:
    from s2s_hub.hub.push import export_checkpoint

    folder = export_checkpoint(
        args.checkpoint,
        args.out_dir,
        args.repo_id,
        args.reuse_scores,
        args.half,
        args.onnx,
    )
    print(f"exported: {folder}")
