"""``s2s-hub train --model.arch transformer``: the same Lightning module, data,
warm-up schedule and resume as the RNN, and a checkpoint that exports to a folder
serving in torch and ONNX Runtime alike."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import TINY_TRAIN_ARGS

from s2s_hub.cli.main import main
from s2s_hub.hub import load
from s2s_hub.search.config import DecodeConfig

TRANSFORMER = [
    *TINY_TRAIN_ARGS,
    *("--model.arch", "transformer", "--model.heads", "2", "--model.ff_size", "32"),
    *("--model.dropout", "0.1", "--model.tie_embeddings", "true"),
    *("--train.scheduler", "warmup", "--train.warmup_steps", "5"),
    *("--train.max_epochs", "100", "--train.checkpoint_every_n_steps", "4"),
    *("--train.logger", "csv", "--devices", "1"),
]


def checkpoint_at(out: Path) -> dict:
    return torch.load(out / "checkpoints" / "last.ckpt", weights_only=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A run of 8 steps, resumed to 12."""
    out = tmp_path_factory.mktemp("transformer") / "run"
    args = ["train", *TRANSFORMER, "--train.out_dir", str(out)]
    assert main([*args, "--train.max_steps", "8"]) == 0
    first = checkpoint_at(out)
    assert first["global_step"] == 8
    assert main([*args, "--train.max_steps", "12", "--resume", "true"]) == 0
    return out


def test_training_resumes_a_transformer_where_it_stopped(trained):
    resumed = checkpoint_at(trained)
    assert resumed["global_step"] == 12
    model = resumed["hyper_parameters"]["model"]
    assert (model["arch"], model["heads"], model["ff_size"]) == ("transformer", 2, 32)
    # the warm-up schedule went on from step 8: linear to step 5, then decay
    (scheduler,) = resumed["lr_schedulers"]
    assert scheduler["last_epoch"] == 12
    assert scheduler["_last_lr"][0] == pytest.approx(0.005 * (5 / 12) ** 0.5)


def test_a_transformer_checkpoint_serves_in_torch_and_onnx_runtime(trained, tmp_path):
    out = tmp_path / "exported"
    checkpoint = trained / "checkpoints" / "last.ckpt"
    assert main(["export", str(checkpoint), str(out), "--onnx"]) == 0
    eager, onnx = load(out), load(out, runtime="onnxruntime")
    assert eager.model.config.arch == "transformer"
    sources = [pair.source for pair in eager.task.pairs("test")]
    beam = DecodeConfig(method="beam", beam_size=3, max_length=12)
    for config in (None, beam):
        expected = [n[0].text for n in eager.predict(sources, config)]
        assert [n[0].text for n in onnx.predict(sources, config)] == expected
