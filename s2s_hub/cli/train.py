"""``s2s-hub train``: train a model for a task.

The parser's defaults are the recipe of the task the command line names
(``named_task``), so ``--help`` and ``--print_config`` show the values a run
would use. Every problem of the task, the recipe and the model is reported in
one message before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from jsonargparse import ArgumentParser, Namespace

from s2s_hub.cli import checks
from s2s_hub.cli.options import add_dataclass_options, given
from s2s_hub.cli.parsers import add_task_options, build_task, command_parser

HELP = "Train a model for a task."
MODEL_SKIP = frozenset(
    {"src_vocab_size", "tgt_vocab_size", "pad_id", "bos_id", "eos_id"}
)


def parser(task: str | None = None) -> ArgumentParser:
    """``train``'s options, defaulting to ``task``'s recipe when it is known."""
    from s2s_hub.model.config import Seq2SeqConfig
    from s2s_hub.training.config import TrainConfig

    parser = command_parser(HELP)
    add_task_options(parser)
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


def check(args: Namespace) -> None:
    """Every problem of the task, the recipe, the model and the hardware, in one
    message, before anything is loaded or written."""
    _build(args)


def run(args: Namespace) -> None:
    from pytorch_lightning.utilities import rank_zero_only

    from s2s_hub.training.run import train

    task, model, config, hardware = _build(args)
    best = train(task, model, config, hardware, resume=args.resume)
    if rank_zero_only.rank == 0:
        print(f"best checkpoint: {best}")


def _build(args: Namespace) -> tuple[Any, dict[str, Any], Any, Any]:
    """The task, model options, training and hardware configs ``args`` ask for."""
    from s2s_hub.training.config import DistributedConfig, TrainConfig
    from s2s_hub.training.run import check_model

    problems: list[str] = []
    options = dict(args.task_options or {})
    if args.data_dir:
        options["data_dir"] = args.data_dir
    task = _collect(problems, lambda: build_task(args.task, options))
    config = _collect(problems, lambda: TrainConfig(**given(args, "train")))
    model = given(args, "model")
    if task:
        _collect(problems, lambda: check_model(task, model))
    hardware = _collect(
        problems,
        lambda: DistributedConfig(
            args.accelerator, args.devices, args.num_nodes, args.strategy
        ),
    )
    init_from = config.init_from if config else None
    problems += [
        checks.folder("--data_dir", args.data_dir),
        checks.model_source("--train.init_from", init_from),
    ]
    checks.refuse(*problems)
    return task, model, config, hardware


def _collect(problems: list[str], build: Callable[[], Any]) -> Any:
    """``build()``, or None with its error appended to ``problems``."""
    try:
        return build()
    except (KeyError, TypeError, ValueError) as error:
        problems.append(str(error.args[0] if error.args else error))
        return None
