"""Scaling is Lightning's job: CLI flags must reach the Trainer, and DDP must work."""

import os
import subprocess
import sys

import torch

from s2s_hub.predictor import Predictor

TINY = [
    "--task", "reverse", "--task_options", '{"train_size": 600, "eval_size": 40}',
    "--model.hidden_size", "16", "--model.emb_size", "8", "--train.max_epochs", "1",
    "--train.vocab_size", "20", "--accelerator", "cpu",
]


def test_two_process_cpu_ddp_trains_a_model_that_decodes(tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "s2s_hub.cli.main", "train", *TINY,
         "--devices", "2", "--strategy", "ddp", "--train.out_dir", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2" in result.stderr
    assert result.stdout.count("best checkpoint:") == 1
    checkpoint = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)
    # 600 pairs / 64 per batch = 10 batches, shared by two ranks: 5 steps each
    assert checkpoint["global_step"] == 5
    predictor = Predictor.from_checkpoint(out / "checkpoints" / "best.ckpt")
    assert len(predictor.predict(["a b c"])[0]) == 1
