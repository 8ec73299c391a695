"""Every option of every command, given a wrong value, is refused in one line
that names it, with exit code 2, before the command loads or writes anything."""

from __future__ import annotations

import dataclasses
import importlib
import typing
from pathlib import Path

import pytest
from conftest import ROOT, TINY_TRAIN_ARGS

from s2s_hub.cli.main import COMMANDS, main
from s2s_hub.model.config import Seq2SeqConfig
from s2s_hub.search.config import DecodeConfig
from s2s_hub.training.config import TrainConfig

MODEL = str(ROOT / "checkpoints" / "reverse")
A_FILE = str(ROOT / "pyproject.toml")
MISSING = str(ROOT / "no-such-file")
# options no command line can get wrong
HELP_OPTIONS = {"--help"}


def _bad_by_type(kind: object) -> str:
    """A wrong value for a config field of type ``kind``: a number below every
    bound, a word outside every choice, a boolean that is neither."""
    kinds = set(typing.get_args(kind)) or {kind}
    if bool in kinds:
        return "maybe"
    if kinds & {int, float}:
        return "-5"
    return "nope"


def _dataclass_values(cls: type, prefix: str) -> dict[str, str]:
    hints = typing.get_type_hints(cls)
    return {
        f"--{prefix}.{field.name}": _bad_by_type(hints[field.name])
        for field in dataclasses.fields(cls)
    }


DECODE = _dataclass_values(DecodeConfig, "decode")
SERVING = {
    "--batch_size": "0",
    "--precision": "fp7",
    "--runtime": "nope",
    "--shortlist": "maybe",
}
COMMON = {"--config": MISSING, "--print_config": "=nope"}
# what is wrong with each option: config fields by their type, the rest by hand
BAD = {
    "train": {
        **_dataclass_values(Seq2SeqConfig, "model"),
        **_dataclass_values(TrainConfig, "train"),
        "--train.out_dir": A_FILE,
        "--train.init_from": "not/a/model",
        "--task": "nope",
        "--task_options": '{"nope": 1}',
        "--data_dir": MISSING,
        "--accelerator": "abacus",
        "--devices": "0",
        "--num_nodes": "0",
        "--strategy": "nope",
        "--resume": "maybe",
    },
    "evaluate": {
        **DECODE,
        **SERVING,
        "--split": "valid",
        "--limit": "-1",
        "--baselines": "maybe",
        "--output": str(ROOT),
        "--data_dir": MISSING,
    },
    "predict": {
        **DECODE,
        **SERVING,
        "--input": MISSING,
        "--attention_plot": f"{A_FILE}/map.png",
    },
    "push": {
        "--reuse_scores": MISSING,
        "--half": "=maybe",
        "--repo_id": "not/a/repo",
        "--private": "=maybe",
        "--revision": "two words",
    },
    "export": {
        "--reuse_scores": MISSING,
        "--half": "=maybe",
        "--repo_id": "not/a/repo",
        "--precision_scores": MISSING,
        "--onnx": "=maybe",
        "--overwrite": "=maybe",
    },
    "shortlist": {"--per_token": "0", "--frequent": "-1", "--data_dir": MISSING},
    "space-card": {"--models": "not/a/repo"},
    "plot": {"--output": str(ROOT), "--metric": "nope"},
    "select": {},
    "average": {},
    "tune": {"--mode": "middle"},
    "space push": {"--models": "nope", "--private": "=maybe"},
    "data prepare": {"--out": f"{A_FILE}/data", "--task_options": '{"nope": 1}'},
    "tasks": {},
}
# options only the model can judge: refused once it is loaded, before the work
AFTER_LOADING = {("tune", "--by")}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("validation") / "run"
    train = [*TINY_TRAIN_ARGS, "--train.logger", "csv", "--devices", "1"]
    assert main(["train", *train, "--train.out_dir", str(out)]) == 0
    return out


def good_arguments(command: str, run_dir: Path, tmp_path: Path) -> list[str]:
    """Positional arguments that are right, so that the option is to blame."""
    checkpoint = str(run_dir / "checkpoints" / "best.ckpt")
    return {
        "train": ["--task", "reverse"],
        "evaluate": [MODEL],
        "predict": [MODEL, "a b"],
        "push": [checkpoint, "--repo_id", "me/model"],
        "export": [MODEL, str(tmp_path / "out")],
        "shortlist": [MODEL],
        "space-card": [str(tmp_path / "README.md")],
        "plot": [str(run_dir)],
        "select": [str(run_dir)],
        "average": [str(tmp_path / "mean.ckpt"), checkpoint, checkpoint],
        "tune": [MODEL, "max_length=2,40"],
        "space push": ["me/space", "--models", f"reverse={MODEL}"],
        "data prepare": ["reverse"],
        "tasks": [],
    }[command]


def options(command: str) -> list[str]:
    parser = importlib.import_module(f"s2s_hub.cli.{COMMANDS[command]}").parser()
    return [o for o in parser._option_string_actions if o.startswith("--")]


def test_every_option_of_every_command_has_a_wrong_value_here():
    for command in COMMANDS:
        known = {*BAD[command], *COMMON, *HELP_OPTIONS}
        known |= {option for name, option in AFTER_LOADING if name == command}
        assert set(options(command)) <= known, command


CASES = [
    (command, option)
    for command in COMMANDS
    for option in options(command)
    if option not in HELP_OPTIONS
    and (command, option) not in AFTER_LOADING
    and (option in BAD[command] or option in COMMON)
]


@pytest.mark.parametrize(("command", "option"), CASES)
def test_a_wrong_value_is_refused_in_one_line_naming_the_option(
    command, option, run_dir, tmp_path, capsys, monkeypatch
):
    module = importlib.import_module(f"s2s_hub.cli.{COMMANDS[command]}")

    def run(args):
        raise AssertionError(f"{command} started with {option} wrong")

    monkeypatch.setattr(module, "run", run)
    value = {**COMMON, **BAD[command]}[option]
    given = [option + value] if value.startswith("=") else [option, value]
    argv = [*command.split(), *good_arguments(command, run_dir, tmp_path), *given]
    assert main(argv) == 2, argv
    err = capsys.readouterr().err.strip()
    assert err.startswith("s2s-hub: error:") and "\n" not in err, err
    assert option.lstrip("-").split(".")[-1] in err, err


def test_the_right_values_start_the_command(run_dir, tmp_path, monkeypatch):
    """The arguments above are right: with them alone each command starts."""
    for command in COMMANDS:
        module = importlib.import_module(f"s2s_hub.cli.{COMMANDS[command]}")
        started = []
        monkeypatch.setattr(module, "run", started.append)
        argv = [*command.split(), *good_arguments(command, run_dir, tmp_path)]
        assert main(argv) == 0 and len(started) == 1, command


def test_tune_judges_its_metric_once_the_model_is_loaded(capsys):
    assert main(["tune", MODEL, "max_length=2,40", "--by", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "nope" in err and "metrics" in err
