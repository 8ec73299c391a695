"""Scaling is Lightning's job: CLI flags must reach the Trainer, and DDP must work."""

import os
import subprocess
import sys

import torch
from conftest import TINY_TRAIN_ARGS, app_rounds

from s2s_hub.predictor import Predictor

TINY = TINY_TRAIN_ARGS


def test_two_process_cpu_ddp_trains_a_model_that_decodes(tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "s2s_hub.cli.main",
            "train",
            *TINY,
            "--devices",
            "2",
            "--strategy",
            "ddp",
            "--train.out_dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Initializing distributed: GLOBAL_RANK: 1, MEMBER: 2/2" in result.stderr
    assert result.stdout.count("best checkpoint:") == 1
    checkpoint = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)
    # 600 pairs / 64 per batch = 10 batches, shared by two ranks: 5 steps each
    assert checkpoint["global_step"] == 5
    predictor = Predictor.from_checkpoint(out / "checkpoints" / "best.ckpt")
    assert len(predictor.predict(["a b c"])[0]) == 1


def test_loopback_two_node_run_trains_a_model_that_decodes(tmp_path):
    """Two "machines" of one CPU process each, launched by hand as a cluster's job
    scheduler would: the same command, with the node's rank in its environment."""
    out = tmp_path / "two-nodes"
    command = [sys.executable, "-m", "s2s_hub.cli.main", "train", *TINY,
               "--devices", "1", "--num_nodes", "2", "--strategy", "ddp",
               "--train.out_dir", str(out)]  # fmt: skip
    # what Lightning reads on each node (LightningEnvironment); it starts the
    # node's --devices processes itself
    cluster = {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(app_rounds().free_port()),
        "OMP_NUM_THREADS": "1",
    }
    logs = [tmp_path / f"node{rank}.log" for rank in (0, 1)]
    nodes = []
    try:
        for rank, log in enumerate(logs):
            env = {**os.environ, **cluster, "NODE_RANK": str(rank)}
            with log.open("w") as output:
                nodes.append(
                    subprocess.Popen(
                        command, env=env, stdout=output, stderr=subprocess.STDOUT
                    )
                )
        for node in nodes:
            node.wait(timeout=300)
    finally:
        for node in nodes:
            if node.poll() is None:
                node.kill()
    outputs = [log.read_text() for log in logs]
    for rank, (node, output) in enumerate(zip(nodes, outputs, strict=True)):
        assert node.returncode == 0, output[-2000:]
        assert f"GLOBAL_RANK: {rank}, MEMBER: {rank + 1}/2" in output
    assert [output.count("best checkpoint:") for output in outputs] == [1, 0]
    checkpoint = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)
    assert checkpoint["global_step"] == 5  # 10 batches shared by two nodes
    predictor = Predictor.from_checkpoint(out / "checkpoints" / "best.ckpt")
    assert len(predictor.predict(["a b c"])[0]) == 1
