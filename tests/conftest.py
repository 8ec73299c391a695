"""Fixtures shared by several test modules."""

from __future__ import annotations

import functools
import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import torch

from s2s_hub.evaluation.run import evaluate
from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.predictor import Predictor
from s2s_hub.registry import get_task, task_names
from s2s_hub.tokenizer import Tokenizer

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def app_rounds() -> ModuleType:
    """``bench/app_rounds.py``, the demo's load driver (and ``free_port``);
    ``bench/`` is the lab, not a package."""
    spec = importlib.util.spec_from_file_location(
        "app_rounds", ROOT / "bench" / "app_rounds.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


TOY_TASK_OPTIONS = {"length": 4, "alphabet": 5, "train_size": 40, "eval_size": 6}


def toy_predictor(vocab_size: int, byte_fallback: bool, size: int) -> Predictor:
    """An untrained reverse model of ``size`` units with a freshly trained tokenizer."""
    task = get_task("reverse", **TOY_TASK_OPTIONS)
    texts = [text for pair in task.pairs("train") for text in pair]
    tokenizer = Tokenizer.train(
        texts, vocab_size=vocab_size, byte_fallback=byte_fallback
    )
    torch.manual_seed(0)
    config = Seq2SeqConfig(
        src_vocab_size=tokenizer.vocab_size,
        tgt_vocab_size=tokenizer.vocab_size,
        emb_size=size,
        hidden_size=size,
        encoder_layers=1,
        decoder_layers=1,
        dropout=0.0,
    )
    return Predictor(Seq2Seq(config), tokenizer, task)


#: Arguments of ``s2s-hub train`` for a model that trains in seconds.
TINY_TRAIN_ARGS = [
    "--task",
    "reverse",
    "--task_options",
    '{"train_size": 600, "eval_size": 40}',
    "--model.hidden_size",
    "16",
    "--model.emb_size",
    "8",
    "--train.max_epochs",
    "1",
    "--train.vocab_size",
    "20",
    "--accelerator",
    "cpu",
]


@pytest.fixture(scope="session")
def toy_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny untrained reverse model exported in the Hub layout, built once.

    Its tokenizer has byte fallback, so any character survives a round trip, and
    its card holds the scores of a real (poor) evaluation on the test split.
    """
    from s2s_hub.hub import export
    from s2s_hub.hub.export_options import ExportOptions

    predictor = toy_predictor(vocab_size=300, byte_fallback=True, size=8)
    folder = tmp_path_factory.mktemp("toy-model")
    return export(
        predictor, folder, evaluate(predictor, "test"), options=ExportOptions("org/toy")
    )


@pytest.fixture(scope="session")
def toy_models_spec(
    toy_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """An ``S2S_HUB_MODELS`` value that serves the toy model for every task, and a
    copy of it as reverse's second model, for the Compare tab."""
    second = tmp_path_factory.mktemp("toy-model-copy") / "toy-b"
    shutil.copytree(toy_model_dir, second)
    spec = [f"{name}={toy_model_dir}" for name in task_names()]
    return ",".join([*spec, f"reverse={second}"])


@pytest.fixture(scope="session")
def demo_url(request: pytest.FixtureRequest, toy_models_spec: str) -> Iterator[str]:
    """The demo, every tab backed by the toy model (or, with ``--bundled-demo``, by
    the bundled checkpoints), served on a free local port.

    ``S2S_HUB_MODELS`` is set only while the demo is built (models load once, at
    build time), so other tests see the environment unchanged.
    """
    from s2s_hub.app import build_demo, launch

    with pytest.MonkeyPatch.context() as patch:
        if request.config.getoption("--bundled-demo"):
            patch.delenv("S2S_HUB_MODELS", raising=False)
            patch.chdir(ROOT)
        else:
            patch.setenv("S2S_HUB_MODELS", toy_models_spec)
        demo = build_demo()
    port = app_rounds().free_port()
    launch(
        demo,
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
    )
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run slow tests")
    parser.addoption(
        "--bundled-demo",
        action="store_true",
        help="serve the demo tests with the bundled checkpoints (the browser test "
        "then refreshes docs/screenshots)",
    )


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
