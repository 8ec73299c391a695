"""``s2s-hub tasks``: the registered tasks, their metric, data and options."""

from __future__ import annotations

from jsonargparse import ArgumentParser, Namespace

HELP = "List the registered tasks"


def parser() -> ArgumentParser:
    return ArgumentParser(description=HELP, exit_on_error=False)


def run(args: Namespace) -> None:
    from s2s_hub.registry import iter_tasks

    for task in iter_tasks():
        print(f"{task.name:<16} {task.description}")
        print(f"{'':<16} metric: {task.selection_metric}; data: {task.data_source}")
        options = ", ".join(
            f"{k}={v!r}" for k, v in task.options().items() if k != "data_dir"
        )
        print(f"{'':<16} --task_options: {options}")
