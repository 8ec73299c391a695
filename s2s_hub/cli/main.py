"""``s2s-hub tasks | train | evaluate | predict | plot | data prepare``.

Options come from the config dataclasses (``--model.*``, ``--train.*``,
``--decode.*``), can be collected in a YAML file given with ``--config``, and are
overridden by flags given after it. Errors are one line on stderr, exit code 2.
"""

from __future__ import annotations

import json
import logging
import sys
from argparse import ArgumentError
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from jsonargparse import ActionConfigFile, ArgumentParser, Namespace
from pytorch_lightning.utilities import rank_zero_only

from s2s_hub.cli.options import add_dataclass_options, given
from s2s_hub.model import Seq2SeqConfig
from s2s_hub.search.config import DecodeConfig
from s2s_hub.serving.config import PRECISIONS, RUNTIMES
from s2s_hub.training.config import DistributedConfig, TrainConfig

MODEL_SKIP = frozenset(
    {"src_vocab_size", "tgt_vocab_size", "pad_id", "bos_id", "eos_id"}
)


def _parser(description: str) -> ArgumentParser:
    parser = ArgumentParser(description=description, exit_on_error=False)
    parser.add_argument(
        "--config", action=ActionConfigFile, help="YAML file of options"
    )
    return parser


def _add_task(parser: ArgumentParser, required: bool = True) -> None:
    parser.add_argument(
        "--task", type=str, required=required, help="Registered task name"
    )
    parser.add_argument(
        "--task_options",
        type=dict[str, Any],
        default={},
        help='Task options, e.g. \'{"target_lang": "fr"}\'',
    )
    parser.add_argument(
        "--data_dir",
        type=str | None,
        default=None,
        help="Folder of {train,dev,test}.tsv/.jsonl[.gz] to use instead",
    )


def _train_parser(task: str | None = None) -> ArgumentParser:
    """``train``'s options, defaulting to ``task``'s recipe when it is known."""
    parser = _parser("Train a model for a task.")
    _add_task(parser)
    recipe = _recipe(task)
    model, train = (
        (recipe.model_defaults, recipe.training_defaults) if recipe else ({}, {})
    )
    add_dataclass_options(parser, Seq2SeqConfig, "model", MODEL_SKIP, defaults=model)
    add_dataclass_options(parser, TrainConfig, "train", defaults=train)
    for field, kind, default, help_text in (
        ("accelerator", str, "auto", "cpu, gpu, mps or auto"),
        ("devices", int | str, "auto", "Devices per node: a count or auto"),
        ("num_nodes", int, 1, "Number of machines"),
        ("strategy", str, "auto", "Lightning strategy: auto, ddp, ddp_spawn ..."),
    ):
        parser.add_argument(f"--{field}", type=kind, default=default, help=help_text)
    parser.add_argument(
        "--resume",
        type=bool,
        default=False,
        help="Continue from the run folder's last checkpoint",
    )
    return parser


def _decode_parser(description: str) -> ArgumentParser:
    parser = _parser(description)
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


def _evaluate_parser() -> ArgumentParser:
    parser = _decode_parser("Score a checkpoint on a split of its task.")
    parser.add_argument("--split", type=str, default="test", help="train, dev or test")
    parser.add_argument(
        "--limit", type=int | None, default=None, help="Score only the first N examples"
    )
    parser.add_argument(
        "--output",
        type=str | None,
        default=None,
        help="Write scores (JSON) and hypotheses (.txt beside it)",
    )
    parser.add_argument(
        "--data_dir",
        type=str | None,
        default=None,
        help="Folder of {split}.tsv/.jsonl[.gz] to score on instead",
    )
    return parser


def _predict_parser() -> ArgumentParser:
    parser = _decode_parser("Decode text with a checkpoint.")
    parser.add_argument(
        "text",
        type=str,
        nargs="*",
        default=[],
        help="Texts to decode; with none, lines of --input or stdin (on a "
        "terminal: answered line by line until Ctrl-D)",
    )
    parser.add_argument(
        "--input",
        type=str | None,
        default=None,
        help="File with one source text per line",
    )
    parser.add_argument(
        "--attention_plot",
        type=str | None,
        default=None,
        help="Write the heat map of the best output: PATH.png for one input, "
        "or a folder (one <index>.png per input)",
    )
    return parser


def _prepare_parser() -> ArgumentParser:
    parser = _parser("Rebuild a task's shipped data splits from their sources.")
    parser.add_argument("task", type=str, help="Registered task name")
    parser.add_argument(
        "--out",
        type=str | None,
        default=None,
        help="Output folder (default: the task's data folder)",
    )
    parser.add_argument(
        "--task_options", type=dict[str, Any], default={}, help="Task options"
    )
    return parser


def _publish_parser(description: str) -> ArgumentParser:
    parser = _parser(description)
    parser.add_argument("checkpoint", type=str, help="The best .ckpt of a training run")
    parser.add_argument(
        "--reuse_scores",
        type=str | None,
        default=None,
        help="Evaluation JSON (evaluate --output, eval_results.json) "
        "to publish instead of scoring the test split",
    )
    parser.add_argument(
        "--half", action="store_true", help="Store float16 weights (scored as stored)"
    )
    return parser


def _push_parser() -> ArgumentParser:
    parser = _publish_parser("Export, score and upload a checkpoint to the Hub.")
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


def _space_push_parser() -> ArgumentParser:
    parser = _parser("Create or update a Gradio Space that serves the demo.")
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


def _export_parser() -> ArgumentParser:
    parser = _publish_parser("Write a checkpoint in the Hub layout: what push uploads.")
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


def _space_card_parser() -> ArgumentParser:
    parser = _parser("Write the Gradio Space front matter into a README.")
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


def _plot_parser() -> ArgumentParser:
    parser = _parser("Draw a run's learning curve (dev metric and perplexity).")
    parser.add_argument("run_dir", type=str, help="A run folder of s2s-hub train")
    parser.add_argument(
        "--output",
        type=str | None,
        default=None,
        help="PNG to write (default: RUN_DIR/learning_curve.png)",
    )
    parser.add_argument(
        "--metric",
        type=str | None,
        default=None,
        help="Dev metric to draw (default: the task's selection metric)",
    )
    return parser


def _recipe(task: str | None):
    """The class of registered ``task``, or None (parsing then names the
    problem)."""
    from s2s_hub.registry import task_class

    try:
        return task_class(task) if task else None
    except KeyError:
        return None


def named_task(argv: list[str]) -> str | None:
    """The task a ``train`` command line names, with ``--task`` or in its
    ``--config`` YAML, read before parsing so its recipe can be the defaults."""
    if "train" not in argv:
        return None
    task = None
    for flag, value in zip(argv, [*argv[1:], None], strict=True):
        if flag.startswith("--config="):
            flag, value = flag.split("=", 1)
        if flag == "--config" and value and Path(value).is_file():
            loaded = yaml.safe_load(Path(value).read_text(encoding="utf-8"))
            task = loaded.get("task", task) if isinstance(loaded, dict) else task
        elif flag == "--task":
            task = value
        elif flag.startswith("--task="):
            task = flag.split("=", 1)[1]
    return task if isinstance(task, str) else None


def build_parser(task: str | None = None) -> ArgumentParser:
    """The whole command line; ``train``'s defaults are ``task``'s recipe."""
    parser = ArgumentParser(
        prog="s2s-hub", description=__doc__.split("\n")[0], exit_on_error=False
    )
    sub = parser.add_subcommands(dest="command")
    sub.add_subcommand(
        "tasks", ArgumentParser(exit_on_error=False), help="List the registered tasks"
    )
    for name, make in (
        ("train", lambda: _train_parser(task)),
        ("evaluate", _evaluate_parser),
        ("predict", _predict_parser),
        ("push", _push_parser),
        ("export", _export_parser),
        ("space-card", _space_card_parser),
        ("plot", _plot_parser),
    ):
        child = make()
        sub.add_subcommand(name, child, help=child.description)
    space = ArgumentParser(description="Gradio Space commands.", exit_on_error=False)
    sub.add_subcommand("space", space, help=space.description)
    space_push = _space_push_parser()
    space.add_subcommands(dest="action").add_subcommand(
        "push", space_push, help=space_push.description
    )
    data = ArgumentParser(description="Data commands.", exit_on_error=False)
    sub.add_subcommand("data", data, help=data.description)
    prepare = _prepare_parser()
    data.add_subcommands(dest="action").add_subcommand(
        "prepare", prepare, help=prepare.description
    )
    return parser


def _task(args: Namespace):
    from s2s_hub.registry import get_task

    options = dict(args.task_options or {})
    if args.get("data_dir"):
        options["data_dir"] = args.data_dir
    return get_task(args.task, **options)


def _decode_config(args: Namespace, default: DecodeConfig) -> DecodeConfig:
    from dataclasses import asdict

    return DecodeConfig(**{**asdict(default), **given(args, "decode")})


def cmd_tasks(args: Namespace) -> None:
    from s2s_hub.registry import iter_tasks

    for task in iter_tasks():
        print(f"{task.name:<16} {task.description}")
        print(f"{'':<16} metric: {task.selection_metric}; data: {task.data_source}")


def cmd_train(args: Namespace) -> None:
    from s2s_hub.training.run import check_model, train

    # every problem of the task, the recipe and the model, in one message, before
    # anything is written
    problems: list[str] = []
    task = _collect(problems, lambda: _task(args))
    # the parser's defaults are the task's recipe (``named_task``)
    config = _collect(problems, lambda: TrainConfig(**given(args, "train")))
    model = given(args, "model")
    if task:
        _collect(problems, lambda: check_model(task, model))
    if problems:
        raise ValueError("; ".join(problems))
    hardware = DistributedConfig(
        args.accelerator, args.devices, args.num_nodes, args.strategy
    )
    best = train(task, model, config, hardware, resume=args.resume)
    if rank_zero_only.rank == 0:
        print(f"best checkpoint: {best}")


def _collect(problems: list[str], build: Callable[[], Any]) -> Any:
    """``build()``, or None with its error appended to ``problems``."""
    try:
        return build()
    except (KeyError, TypeError, ValueError) as error:
        problems.append(str(error.args[0] if error.args else error))
        return None


def _predictor(args: Namespace):
    from s2s_hub.hub import load

    return load(args.checkpoint, precision=args.precision, runtime=args.runtime)


def cmd_evaluate(args: Namespace) -> None:
    from dataclasses import replace

    from s2s_hub.evaluation import evaluate
    from s2s_hub.predictor import Predictor

    predictor = _predictor(args)
    if args.data_dir:
        task = replace(predictor.task, data_dir=args.data_dir)
        predictor = Predictor(
            predictor.model, predictor.tokenizer, task, predictor.decoding
        )
    config = _decode_config(args, predictor.decoding)
    result = evaluate(predictor, args.split, config, args.limit)
    print(json.dumps(result.to_dict(), indent=2))
    print(side_by_side(result), file=sys.stderr)
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
        out.with_suffix(".txt").write_text("\n".join(result.hypotheses) + "\n")


def side_by_side(result) -> str:
    """The model's scores beside the baseline's, as a small table for people."""
    baseline = result.baseline or {"name": "none declared", "scores": {}}
    labels = {name: f"{result.split} {name}" for name in result.scores}
    width = max(len("metric"), *map(len, labels.values()))
    header = f"{'metric':<{width}} {'model':>10} {'baseline':>10}"
    rows = [f"{header}   ({baseline['name']})"]
    for name, value in result.scores.items():
        other = baseline["scores"].get(name)
        shown = f"{other:>10.2f}" if other is not None else f"{'—':>10}"
        rows.append(f"{labels[name]:<{width}} {value:>10.2f} {shown}")
    return "\n".join(rows)


def cmd_predict(args: Namespace) -> None:
    from s2s_hub.cli import predict

    predictor = _predictor(args)
    config = _decode_config(args, predictor.decoding)
    batches = predict.input_batches(
        list(args.text), args.input, sys.stdin, args.batch_size
    )
    plots = predict.AttentionPlots(args.attention_plot) if args.attention_plot else None
    predict.run(predictor, batches, config, args.batch_size, plots)


def cmd_space(args: Namespace) -> None:
    from s2s_hub.hub.space import parse_sources
    from s2s_hub.hub.space_push import push_space

    options = args.push
    models = parse_sources(",".join(options.models)) if options.models else None
    print(push_space(options.repo_id, models, private=options.private))


def cmd_data(args: Namespace) -> None:
    from s2s_hub.registry import get_task

    task = get_task(args.prepare.task, **(args.prepare.task_options or {}))
    out = Path(args.prepare.out) if args.prepare.out else task.default_data_dir()
    counts = task.prepare(out)
    print(json.dumps({"task": task.name, "out": str(out), "counts": counts}, indent=2))


def cmd_push(args: Namespace) -> None:
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


def cmd_export(args: Namespace) -> None:
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


def cmd_space_card(args: Namespace) -> None:
    from s2s_hub.hub.space import default_model_sources, hub_models, write_space_readme

    readme = Path(args.readme)
    models = args.models
    if models is None:
        models = hub_models(default_model_sources(readme.parent), readme.parent)
    write_space_readme(readme, models)
    print(f"wrote Space front matter to {readme}")


def cmd_plot(args: Namespace) -> None:
    from s2s_hub.files import CURVE_FILE
    from s2s_hub.registry import get_task
    from s2s_hub.training.curve import (
        curve_table,
        plot_curve,
        read_curve,
        run_task,
    )

    run_dir = Path(args.run_dir)
    task = run_task(run_dir)
    metric = args.metric or get_task(task).selection_metric
    points = read_curve(run_dir, metric)
    output = Path(args.output or run_dir / CURVE_FILE)
    plot_curve(points, metric, f"{task}: {run_dir.name}", output)
    print(curve_table(points, metric))
    print(f"wrote {output}")


COMMANDS = {
    "tasks": cmd_tasks,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "data": cmd_data,
    "push": cmd_push,
    "export": cmd_export,
    "space-card": cmd_space_card,
    "plot": cmd_plot,
    "space": cmd_space,
}


def _one_line(error: BaseException) -> str:
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``s2s-hub`` console script."""
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(named_task(argv))
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        COMMANDS[args.command](args[args.command])
    except (ArgumentError, ValueError, KeyError, FileNotFoundError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"s2s-hub: error: {_one_line(message)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
