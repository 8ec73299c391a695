"""``s2s-hub export``: write a model in the Hub layout, what ``push`` uploads.

The model is a run's ``.ckpt``, or a model one has (a folder or a Hub repo id),
e.g. to add the ONNX graphs or float16 weights it lacks. The output folder must
be empty or new unless ``--overwrite`` is given.
"""

from __future__ import annotations

from pathlib import Path

from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.parsers import add_publish_options, command_parser

HELP = "Write a checkpoint, model folder or Hub model in the Hub layout."


def parser() -> ArgumentParser:
    parser = command_parser(HELP)
    parser.add_argument(
        "checkpoint",
        type=str,
        help="A run's .ckpt, a model folder or a Hub repo id (to add ONNX graphs "
        "or float16 weights)",
    )
    add_publish_options(parser)
    parser.add_argument("out_dir", type=str, help="Folder to write")
    parser.add_argument(
        "--repo_id",
        type=str | None,
        default=None,
        help="Repo named in the model card (default: the folder name)",
    )
    parser.add_argument(
        "--precision_scores",
        type=str,
        action="append",
        default=None,
        help="Evaluation JSON of the model in another precision (evaluate "
        "--precision int8 --output F), shown beside fp32's; repeatable; "
        "precision=auto serves it only within 0.3 of fp32's score",
    )
    parser.add_argument(
        "--onnx",
        action="store_true",
        help="Also write encoder.onnx and decoder_step.onnx, for --runtime "
        "onnxruntime (needs the onnx extra)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="Write into a folder that is not empty, replacing its model files",
    )
    return parser


def check(args: Namespace) -> None:
    checks.refuse(
        checks.model_source("CHECKPOINT", args.checkpoint),
        checks.input_file("--reuse_scores", args.reuse_scores),
        *(
            checks.input_file("--precision_scores", f)
            for f in args.precision_scores or ()
        ),
        checks.repo_id("--repo_id", args.repo_id),
        checks.output_folder("OUT_DIR", args.out_dir),
    )
    out = Path(args.out_dir)
    if out.exists() and out.resolve() == Path(args.checkpoint).resolve():
        raise ValueError(f"out_dir {out} is the model's own folder: give another")
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not args.overwrite:
        raise ValueError(
            f"out_dir {out} is not empty: give an empty or new folder, or "
            "--overwrite to replace its model files"
        )


def run(args: Namespace) -> None:
    from s2s_hub.files import LAYOUT_FILES, ONNX_FILES

    if args.overwrite:
        for name in (*LAYOUT_FILES, *ONNX_FILES):
            (Path(args.out_dir) / name).unlink(missing_ok=True)
    from s2s_hub.hub.export_options import ExportOptions

    if args.checkpoint.endswith(".ckpt"):
        from s2s_hub.hub.push import export_checkpoint as export
    else:
        from s2s_hub.hub.reexport import export_model as export
    options = ExportOptions(
        args.repo_id,
        args.reuse_scores,
        args.half,
        args.onnx,
        tuple(args.precision_scores or ()),
    )
    folder = export(args.checkpoint, args.out_dir, options)
    print(f"exported: {folder}")
