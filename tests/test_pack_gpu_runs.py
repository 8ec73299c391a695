"""What a GPU call brings back: each task's best run as a float16 model checkpoint,
every run's logs, in parts small enough for the device tool."""

import importlib.util
import io
import tarfile
from pathlib import Path

import torch

from s2s_hub.files import HPARAMS_KEY, STATE_KEY, TOKENIZER_KEY, read_checkpoint

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location(
        "pack_gpu_runs", ROOT / "scripts" / "pack_gpu_runs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_run(
    folder: Path,
    scores: list[float],
    with_checkpoint: bool = True,
    task: str = "reverse",
    options: str = "{}",
) -> None:
    logs = folder / "logs" / "version_0"
    logs.mkdir(parents=True)
    metric = "bleu" if task == "translation" else "exact"
    lines = [f"{100 * (i + 1)},{score}" for i, score in enumerate(scores)]
    (logs / "metrics.csv").write_text(f"step,val_{metric}\n" + "\n".join(lines) + "\n")
    (logs / "hparams.yaml").write_text(f"task: {task}\ntask_options: {options}\n")
    (folder / "tokenizer.model").write_bytes(b"tokenizer")
    if with_checkpoint:
        (folder / "checkpoints").mkdir()
        torch.save(
            {
                TOKENIZER_KEY: b"tokenizer",
                HPARAMS_KEY: {"task": "reverse"},
                STATE_KEY: {"model.w": torch.randn(64, 64)},
                "optimizer_states": [{"exp_avg": torch.randn(64, 64)}],
                "global_step": 100 * len(scores),
            },
            folder / "checkpoints" / "best.ckpt",
        )


def test_the_best_run_comes_back_as_float16_parts_with_every_run_s_logs(
    tmp_path, monkeypatch
):
    pack = load_script()
    runs = tmp_path / "runs"
    make_run(runs / "wide", [10.0, 30.0])
    make_run(runs / "deep", [20.0, 25.0])
    make_run(runs / "crashed", [5.0], with_checkpoint=False)
    monkeypatch.setattr(pack, "PART_BYTES", 4096)  # several parts from a tiny model
    pack.main(runs, tmp_path / "out", ["reverse"])

    parts = sorted((tmp_path / "out").iterdir())
    assert len(parts) > 1 and all(p.stat().st_size <= 4096 for p in parts)
    data = b"".join(p.read_bytes() for p in parts)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        names = set(archive.getnames())
        archive.extractall(tmp_path / "back", filter="data")
    assert "wide/checkpoints/best.ckpt" in names  # best val_exact: 30 against 25
    assert "deep/checkpoints/best.ckpt" not in names
    for run in ("wide", "deep", "crashed"):
        assert f"{run}/logs/version_0/metrics.csv" in names
    checkpoint = read_checkpoint(
        tmp_path / "back" / "wide" / "checkpoints" / "best.ckpt"
    )
    assert checkpoint[STATE_KEY]["model.w"].dtype == torch.float16
    assert "optimizer_states" not in checkpoint
    assert (tmp_path / "back" / "wide" / "tokenizer.model").read_bytes() == b"tokenizer"


def test_each_language_pair_brings_back_its_best_run(tmp_path):
    pack = load_script()
    runs = tmp_path / "runs"
    make_run(runs / "de-a", [20.0], task="translation")
    make_run(runs / "de-b", [22.0], task="translation")
    make_run(runs / "zh", [15.0], task="translation", options="{target_lang: zh}")
    pack.main(runs, tmp_path / "out", ["translation"])
    data = b"".join(p.read_bytes() for p in sorted((tmp_path / "out").iterdir()))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        names = set(archive.getnames())
    assert {"de-b/checkpoints/best.ckpt", "zh/checkpoints/best.ckpt"} <= names
    assert "de-a/checkpoints/best.ckpt" not in names
