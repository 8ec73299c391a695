"""The pieces every command's parser is built from.

Options come from the config dataclasses (``--model.*``, ``--train.*``,
``--decode.*``, see ``options``), can be collected in a YAML file given with
``--config``, and are overridden by flags given after it.
"""

from __future__ import annotations

from typing import Any

from jsonargparse import ActionConfigFile, ArgumentParser


def command_parser(description: str) -> ArgumentParser:
    """A command's parser: errors are raised (``main`` prints them in one line),
    and ``--config`` reads options from YAML."""
    parser = ArgumentParser(description=description, exit_on_error=False)
    parser.add_argument(
        "--config", action=ActionConfigFile, help="YAML file of options"
    )
    return parser


def add_task_options(parser: ArgumentParser, required: bool = True) -> None:
    """``--task``, its ``--task_options`` and a ``--data_dir`` to read instead."""
    parser.add_argument(
        "--task", type=str, required=required, help="Registered task name"
    )
    parser.add_argument(
        "--task_options",
        type=dict[str, Any],
        default={},
        help='Task options, e.g. \'{"source_lang": "es", "target_lang": "en"}\' '
        "(s2s-hub tasks lists each task's)",
    )
    parser.add_argument(
        "--data_dir",
        type=str | None,
        default=None,
        help="Folder of {train,dev,test}.tsv/.jsonl[.gz] to use instead",
    )


def add_publish_options(parser: ArgumentParser) -> None:
    """What ``export`` and ``push`` write beside the weights."""
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


def build_task(name: str, options: dict[str, Any]) -> Any:
    """Registered task ``name`` built with ``options``; a wrong option is blamed
    on ``--task_options``."""
    from s2s_hub.registry import get_task, task_class

    task_class(name)  # an unknown name is named as such
    try:
        return get_task(name, **options)
    except (KeyError, TypeError, ValueError) as error:
        message = error.args[0] if error.args else error
        raise ValueError(f"--task_options: {message}") from error
