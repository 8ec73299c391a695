"""The command line end to end: train a toy model, evaluate it, predict with it."""

import importlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from conftest import ROOT, TINY_TRAIN_ARGS

from s2s_hub.cli.evaluate import part_tables, side_by_side
from s2s_hub.cli.main import COMMANDS, main
from s2s_hub.evaluation.run import Evaluation
from s2s_hub.hub import load
from s2s_hub.hub.card import recorded_training

TINY = [*TINY_TRAIN_ARGS, "--train.logger", "csv", "--devices", "1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", *TINY, "--train.out_dir", str(out)]) == 0
    return out


def test_train_writes_tokenizer_checkpoints_and_logs(trained):
    assert (trained / "tokenizer.model").is_file()
    assert (trained / "checkpoints" / "best.ckpt").is_file()
    assert (trained / "checkpoints" / "last.ckpt").is_file()
    metrics = next((trained / "logs").glob("version_*/metrics.csv")).read_text()
    assert "val_exact" in metrics and "train_loss" in metrics


def test_evaluate_writes_scores_and_hypotheses(trained, tmp_path, capsys):
    out = tmp_path / "eval.json"
    checkpoint = str(trained / "checkpoints" / "best.ckpt")
    args = [
        "evaluate",
        checkpoint,
        "--split",
        "test",
        "--output",
        str(out),
        "--decode.method",
        "beam",
        "--decode.beam_size",
        "2",
    ]
    assert main(args) == 0
    result = json.loads(out.read_text())
    assert set(result["scores"]) == {"exact", "bleu", "ppl"}
    assert result["examples"] == 40 and result["baseline"] is None
    assert result["decoding"]["beam_size"] == 2
    assert len(out.with_suffix(".txt").read_text().splitlines()) == 40
    table = capsys.readouterr().err.splitlines()
    assert table[0].split()[:3] == ["metric", "model", "baseline"]
    assert any(row.split()[:2] == ["test", "ppl"] for row in table)


def test_evaluate_table_keeps_its_columns_under_long_metric_names():
    result = Evaluation(
        task="dialogue",
        split="test",
        scores={"ppl": 96.93, "unseen_words": 0.55, "hits@1_of_20": 15.7},
        decoding={},
        examples=3,
        seconds=0.1,
        baseline={"name": "chance", "scores": {"hits@1_of_20": 5.0}},
    )
    header, *rows = side_by_side(result).splitlines()
    ends = {len(row) for row in rows}
    assert len(ends) == 1, rows
    assert header.index("baseline") + len("baseline") == ends.pop()
    assert rows[2].split() == ["test", "hits@1_of_20", "15.70", "5.00"]


def test_evaluate_prints_a_table_per_part_of_the_split():
    copy = {"name": "copy source", "scores": {"bleu": 9.0}}
    result = Evaluation(
        task="translation",
        split="test",
        scores={"bleu": 20.0},
        decoding={},
        examples=3,
        seconds=0.1,
        baselines=[copy],
        parts={
            "messages": {
                "examples": 2,
                "scores": {"bleu": 30.5},
                "baselines": [{"name": "copy source", "scores": {"bleu": 12.25}}],
            }
        },
    )
    [table] = part_tables(result)
    title, header, row = table.splitlines()
    assert title == "messages (2 examples)" and "copy source" not in title
    assert row.split() == ["test", "messages", "bleu", "30.50", "12.25"]


def test_predict_prints_nbest_with_probabilities(trained, capsys):
    checkpoint = str(trained / "checkpoints" / "best.ckpt")
    args = [
        "predict",
        checkpoint,
        "a b c",
        "--decode.method",
        "beam",
        "--decode.beam_size",
        "3",
        "--decode.n_best",
        "3",
    ]
    assert main(args) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3 and all(row[0] == "0" for row in rows)
    scores = [float(row[1]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= float(row[2]) <= 1 for row in rows)


def test_dataclass_then_recipe_then_yaml_then_flags(tmp_path):
    from s2s_hub.cli.train import named_task, parser

    config = tmp_path / "recipe.yaml"
    config.write_text("task: reverse\nmodel:\n  hidden_size: 32\n  cell: gru\n")
    argv = ["--config", str(config), "--model.hidden_size", "24"]
    assert named_task(argv) == "reverse"  # from the YAML
    model = parser(named_task(argv)).parse_args(argv).model
    assert model.hidden_size == 24  # flag over YAML
    assert model.cell == "gru"  # YAML over dataclass default
    assert model.emb_size == 32  # reverse's recipe over dataclass default (256)
    assert model.attention == "bahdanau"  # dataclass default


def test_print_config_prints_the_merged_values(capsys):
    argv = ["train", "--task", "summarization", "--train.lr", "0.01"]
    with pytest.raises(SystemExit):
        main([*argv, "--print_config"])
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["train"]["lr"] == 0.01  # flag
    assert printed["train"]["max_tokens"] == 6000  # summarization's recipe
    assert printed["train"]["batch_size"] == 64  # TrainConfig's default
    assert printed["model"]["encoder_layers"] == 1  # recipe over the dataclass's 2
    assert printed["model"]["copy"] is True


def test_help_after_a_task_shows_that_task_s_values():
    def encoder_layers_help(*argv: str) -> str:
        help_text = subprocess.run(
            [sys.executable, "-m", "s2s_hub.cli.main", "train", *argv, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return " ".join(
            help_text.split("--model.encoder_layers ENCODER_LAYERS")[2].split()[:12]
        )

    assert "default: 1)" in encoder_layers_help("--task", "summarization")
    assert "default: 2)" in encoder_layers_help()


def test_every_config_problem_is_listed_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--task", "reverse", "--train.out_dir", str(out)]
    bad = ["--model.attention", "cosine", "--train.lr", "-1", "--train.logger", "x"]
    bad += ["--train.distractor_pool", "queue"]
    assert main([*argv, *bad]) == 2
    error = capsys.readouterr().err
    problems = ("attention must be one of", "lr must be positive", "logger")
    for problem in (*problems, "distractor_pool must be one of"):
        assert problem in error
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--task", "nope"], "unknown task 'nope'"),
        (["train", "--task", "reverse", "--model.hidden_size", "abc"], "hidden_size"),
        (
            [
                "train",
                "--task",
                "reverse",
                "--model.attention",
                "cosine",
                "--train.max_epochs",
                "1",
            ],
            "attention must be one of",
        ),
        (["predict", "missing.ckpt", "hi"], "missing.ckpt"),
        (["evaluate", "x.ckpt", "--decode.beam_size", "0"], "x.ckpt"),
    ],
)
def test_bad_arguments_give_one_line_errors(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("s2s-hub: error:") and message in err
    assert "\n" not in err and "Traceback" not in err


def test_help_documents_every_option():
    help_text = subprocess.run(
        [sys.executable, "-m", "s2s_hub.cli.main", "train", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for option in (
        "--model.attention",
        "--train.max_tokens",
        "--devices",
        "--num_nodes",
        "--strategy",
        "--resume",
    ):
        assert option in help_text
    assert "Luong's D" in help_text


def test_a_new_run_refuses_a_folder_that_holds_another_run(trained, capsys):
    assert main(["train", *TINY, "--train.out_dir", str(trained)]) == 2
    error = capsys.readouterr().err
    assert "--resume true" in error and "--train.out_dir" in error
    assert len(error.strip().splitlines()) == 1


def test_init_from_starts_from_a_trained_model_s_weights_and_tokenizer(
    trained, tmp_path
):
    from s2s_hub.registry import get_task
    from s2s_hub.training.config import TrainConfig
    from s2s_hub.training.run import warm_start

    source = trained / "checkpoints" / "best.ckpt"
    config = TrainConfig(init_from=str(source), out_dir=str(tmp_path))
    # the architecture is the trained model's, whatever --model.* says
    system, tokenizer = warm_start(
        get_task("reverse"), config, tmp_path, {"hidden_size": 99}
    )
    start = load(source)
    assert (tmp_path / "tokenizer.model").read_bytes() == start.tokenizer.to_bytes()
    assert tokenizer.to_bytes() == start.tokenizer.to_bytes()
    weights = system.model.state_dict()
    assert weights.keys() == start.model.state_dict().keys()
    assert all(torch.equal(weights[k], v) for k, v in start.model.state_dict().items())


def test_init_from_adds_a_copy_gate_and_takes_a_new_dropout(trained, tmp_path):
    from s2s_hub.registry import get_task
    from s2s_hub.training.config import TrainConfig
    from s2s_hub.training.run import warm_start

    source = trained / "checkpoints" / "best.ckpt"
    config = TrainConfig(init_from=str(source), out_dir=str(tmp_path))
    system, _ = warm_start(
        get_task("reverse"), config, tmp_path, {"copy": True, "dropout": 0.35}
    )
    start = load(source).model.state_dict()
    assert system.model.config.dropout == 0.35  # not architecture: it may change
    weights = system.model.state_dict()
    assert system.model.config.copy and set(weights) - set(start) == {
        "copy.gate.weight",
        "copy.gate.bias",
    }
    assert all(torch.equal(weights[k], v) for k, v in start.items())


class Terminal(io.StringIO):
    """Typed lines: a stdin that says it is a terminal, and that records how many
    lines were read before each answer was printed."""

    def __init__(self, text: str, printed: list[str]) -> None:
        super().__init__(text)
        self.printed = printed
        self.read_before_answer: list[int] = []

    def isatty(self) -> bool:
        return True

    def readline(self, *args) -> str:
        self.read_before_answer.append(len(self.printed))
        return super().readline(*args)


def test_predict_on_a_terminal_answers_each_line_before_reading_the_next(
    trained, capsys, monkeypatch
):
    printed: list[str] = []
    terminal = Terminal("a b c\nb c d\n", printed)
    monkeypatch.setattr("sys.stdin", terminal)
    real_print = print

    def recording_print(*args, **kwargs):
        if kwargs.get("file") is None:
            printed.append(" ".join(map(str, args)))
        real_print(*args, **kwargs)

    monkeypatch.setattr("builtins.print", recording_print)
    assert main(["predict", str(trained / "checkpoints" / "best.ckpt")]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert captured.err.count("> ") == 3  # a prompt per line, and one at EOF
    # the second line was read only after the first answer was printed
    assert terminal.read_before_answer == [0, 1, 2]


def test_predict_writes_attention_plots(trained, tmp_path, capsys):
    checkpoint = str(trained / "checkpoints" / "best.ckpt")
    folder = tmp_path / "maps"
    args = ["predict", checkpoint, "a b c", "d e", "--attention_plot", str(folder)]
    assert main(args) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["0.png", "1.png"]
    single = tmp_path / "one.png"
    assert main(["predict", checkpoint, "a b c", "--attention_plot", str(single)]) == 0
    assert single.read_bytes()[:4] == b"\x89PNG"
    assert main(["predict", checkpoint, "a", "b", "--attention_plot", str(single)]) == 2
    assert "give a folder" in capsys.readouterr().err


def test_a_new_run_never_mixes_in_another_run_s_tokenizer(tmp_path):
    from s2s_hub.registry import get_task
    from s2s_hub.training.config import TrainConfig
    from s2s_hub.training.run import build_tokenizer

    task = get_task("reverse", train_size=200, eval_size=10)
    first = build_tokenizer(task, TrainConfig(vocab_size=20), tmp_path)
    # the same settings train the same tokenizer: e.g. two nodes at once
    again = build_tokenizer(task, TrainConfig(vocab_size=20), tmp_path)
    assert again.to_bytes() == first.to_bytes()
    with pytest.raises(FileExistsError, match="--resume true"):
        build_tokenizer(task, TrainConfig(vocab_size=24), tmp_path)
    resumed = build_tokenizer(task, TrainConfig(vocab_size=24), tmp_path, resume=True)
    assert resumed.vocab_size == 20  # a resumed run keeps its vocabulary


def test_average_select_and_tune_are_commands(trained, capsys):
    checkpoints = trained / "checkpoints"
    average = checkpoints / "average.ckpt"
    inputs = [str(checkpoints / "best.ckpt"), str(checkpoints / "last.ckpt")]
    assert main(["average", str(average), *inputs]) == 0
    assert capsys.readouterr().out.strip() == str(average)
    assert main(["select", str(trained)]) == 0
    *rows, chosen = capsys.readouterr().out.strip().splitlines()
    assert sorted(row.split()[0] for row in rows) == [
        "average.ckpt",
        "best.ckpt",
        "last.ckpt",
    ]
    assert Path(chosen).parent == checkpoints and Path(chosen).is_file()
    average.unlink()


def test_tune_prints_each_trial_best_first_then_the_winner(capsys):
    # the bundled reverse model is exact with room to write its output only
    model = str(ROOT / "checkpoints" / "reverse")
    assert main(["tune", model, "max_length=2,40", "--by", "exact"]) == 0
    *trials, winner = capsys.readouterr().out.strip().splitlines()
    assert len(trials) == 2 and trials[0].startswith("{'max_length': 40}: dev")
    assert json.loads(winner)["max_length"] == 40


def test_export_adds_onnx_graphs_to_a_model_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    source = tmp_path / "reverse"
    shutil.copytree(ROOT / "checkpoints" / "reverse", source)
    out = tmp_path / "with-onnx"
    assert main(["export", str(source), str(out), "--onnx", "--half"]) == 0
    for name in ("README.md", "eval_results.json", "tokenizer.model", "config.json"):
        # float16 already: nothing to score again, every file as it was
        assert (out / name).read_bytes() == (source / name).read_bytes()
    assert (out / "encoder.onnx").is_file() and (out / "decoder_step.onnx").is_file()
    onnx = load(out, runtime="onnxruntime").translate(["a b c"])
    assert onnx == load(source).translate(["a b c"])
    capsys.readouterr()
    assert main(["export", str(source), str(out)]) == 2
    assert "not empty" in capsys.readouterr().err and (out / "encoder.onnx").exists()
    assert main(["export", str(source), str(out), "--overwrite"]) == 0
    assert not (out / "encoder.onnx").exists()  # the new export has no graphs
    assert main(["export", str(source), str(source), "--overwrite"]) == 2
    assert "own folder" in capsys.readouterr().err
    assert (source / "model.safetensors").is_file()


def test_export_of_a_float32_folder_in_float16_scores_it_again(trained, tmp_path):
    fp32 = tmp_path / "fp32"
    assert main(["export", str(trained / "checkpoints" / "best.ckpt"), str(fp32)]) == 0
    half = tmp_path / "half"
    assert main(["export", str(fp32), str(half), "--half", "--repo_id", "me/m"]) == 0
    card = (half / "README.md").read_text()
    assert "# me/m" in card and "global_step" in card  # the recipe is kept
    assert recorded_training(card) == recorded_training(
        (fp32 / "README.md").read_text()
    )
    model = load(half).model
    assert model.config == load(fp32).model.config
    scores = json.loads((half / "eval_results.json").read_text())
    assert scores["task"] == "reverse" and scores["split"] == "test"


def test_export_of_an_uncached_repo_offline_says_so_in_one_line(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert main(["export", "nobody/nothing", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "nobody/nothing" in err and "HF_HUB_OFFLINE" in err and "\n" not in err


def test_s2s_hub_alone_prints_the_usage_and_every_command(capsys):
    assert main([]) == 2
    alone = capsys.readouterr().out
    assert alone.startswith("usage: s2s-hub COMMAND [OPTIONS]")
    for command in ("train", "evaluate", "select", "average", "tune", "space push"):
        assert f"\n  {command} " in alone
    assert main(["--help"]) == 0 and capsys.readouterr().out == alone
    assert main(["space"]) == 2
    assert capsys.readouterr().out.startswith("usage: s2s-hub space COMMAND")


def test_help_imports_neither_torch_nor_lightning_nor_gradio():
    """``--help`` of every command reads only the configs: torch, Lightning and
    Gradio take seconds to import and are imported when a command runs."""
    script = """
import sys
from s2s_hub.cli.main import COMMANDS, main
for argv in [[], *([*c.split(), "--help"] for c in COMMANDS),
             ["train", "--task", "translation", "--help"]]:
    try:
        main(argv)
    except SystemExit:
        pass
heavy = ("torch", "pytorch_lightning", "lightning_fabric", "gradio", "matplotlib")
print("imported:", [m for m in heavy if m in sys.modules])
"""
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "--model.attention" in shown and "--decode.beam_size" in shown
    assert shown.strip().splitlines()[-1] == "imported: []"


def test_predict_takes_its_texts_anywhere_on_the_line(capsys):
    model = str(ROOT / "checkpoints" / "reverse")
    argv = ["predict", model, "--decode.method", "beam", "a b c", "--decode.n_best"]
    assert main([*argv, "2", "d e"]) == 0
    rows = [row.split("\t")[0] for row in capsys.readouterr().out.splitlines()]
    assert rows == ["0", "0", "1", "1"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_option_of_every_command_says_what_it_does(command):
    parser = importlib.import_module(f"s2s_hub.cli.{COMMANDS[command]}").parser()
    silent = [
        action.option_strings[0]
        for action in parser._actions
        if action.option_strings and not (action.help or "").strip()
    ]
    assert silent == []
