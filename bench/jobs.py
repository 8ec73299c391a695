"""What each worker is asked to do: the configs of one toolkit's four jobs.

``recipe_configs`` makes our dataclasses from ``configs/joey-comparison.yaml`` with
the run's sizes; ``write_specs`` writes one JSON job description per worker (train,
scale, decode, curve) and, for Joey, the YAML config that ``joey/recipe.py``
derives from the same dataclasses.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from joey.recipe import joey_config
from settings import JOBS, VARIANT_RECIPES, BenchSettings, recipe_of
from shared_data import SharedData

from s2s_hub.model import Seq2SeqConfig
from s2s_hub.search.config import DecodeConfig
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.config import TrainConfig

# jobs that decode the weights the train job left
DECODING_JOBS = ("decode", "curve")


def recipe_configs(
    settings: BenchSettings, shared: SharedData, attention: str, out_dir: Path
) -> tuple[Seq2SeqConfig, TrainConfig, DecodeConfig]:
    """The recipe of ``attention`` (``configs/joey-comparison.yaml`` with that
    attention, or a variant's own: ``settings.VARIANT_RECIPES``) with this run's
    sizes.

    Precedence as on the command line: the task's training defaults < the recipe <
    what a benchmark must fix (batch, budget instead of epochs, no validation and no
    periodic checkpoints inside the timed loop).
    """
    recipe = yaml.safe_load(recipe_of(attention).read_text())
    variant = {} if attention in VARIANT_RECIPES else {"attention": attention}
    task = shared.task()
    tokenizer = Tokenizer.load(shared.tokenizer_path)
    model = Seq2SeqConfig.from_dict(
        {
            **task.model_defaults,
            **recipe["model"],
            **settings.model_overrides,
            **variant,
            "src_vocab_size": tokenizer.vocab_size,
            "tgt_vocab_size": tokenizer.vocab_size,
        }
    )
    train = TrainConfig(
        **{
            **task.training_defaults,
            **recipe["train"],
            "out_dir": str(out_dir),
            "batch_size": settings.batch_size,
            "vocab_size": settings.vocab_size,
            "max_time": None,
            "max_epochs": 10**6,
            "val_check_interval": 1.0,
            "limit_val_batches": 0,
            "checkpoint_every_n_steps": 0,
            # the comparison's own protocol: fixed time, no validation, all lengths
            "early_stopping_patience": 0,
            "max_train_length": None,
        }
    )
    decode = DecodeConfig(
        method="beam",
        beam_size=settings.beam_size,
        max_length=settings.max_length,
        min_length=1,  # Joey cannot return an empty output
        length_penalty=task.decoding.length_penalty,
    )
    return model, train, decode


def write_specs(
    settings: BenchSettings,
    shared: SharedData,
    attention: str,
    toolkit: str,
    folder: Path,
) -> dict[str, Path]:
    """The JSON job descriptions of one toolkit's four workers."""
    folder.mkdir(parents=True, exist_ok=True)
    model, train, decode = recipe_configs(settings, shared, attention, folder / "train")
    spec: dict[str, Any] = {
        "task": "translation",
        "data_dir": str(shared.data_dir),
        "tokenizer": str(shared.tokenizer_path),
        "test_sources": str(shared.data_dir / "test.en"),
        "run_dir": str(folder),
        "threads": settings.threads,
        "warmup": settings.warmup_steps,
        "budget_s": settings.budget_s,
        "snapshots": settings.snapshots,
        "scale_batch_sizes": settings.scale_batch_sizes,
        "scale_steps": settings.scale_steps,
        "model": {k: v for k, v in model.to_dict().items() if "vocab" not in k},
        "train": asdict(train),
        "decode": {
            **asdict(decode),
            "batch_sizes": settings.scale_batch_sizes,
            "equal_batch": settings.batch_size,
            "latency_sentences": settings.latency_sentences,
            "reference_steps": reference_steps(
                shared, settings.latency_sentences, decode.max_length
            ),
        },
    }
    specs = {}
    for job in JOBS:
        job_spec = dict(spec)
        if toolkit == "joey":
            job_spec["joey_config"] = str(
                write_joey_config(shared, model, train, decode, folder, job)
            )
        specs[job] = folder / f"{job}.spec.json"
        specs[job].write_text(json.dumps(job_spec, indent=2) + "\n")
    return specs


def reference_steps(shared: SharedData, count: int, max_length: int) -> list[int]:
    """Decoder steps of the equal-work latency, one per latency sentence: the
    length of its reference in pieces plus eos, within [2, max_length].

    Two barely trained models stop after very different numbers of steps, so their
    natural latencies compare output lengths more than toolkits; forced to the
    reference's length, both do the same work (2 keeps Joey's minimum of 1 token).
    """
    tokenizer = Tokenizer.load(shared.tokenizer_path)
    targets = [pair.target for pair in shared.task().pairs("test")[:count]]
    return [min(max(len(tokenizer.encode(t)) + 1, 2), max_length) for t in targets]


def write_joey_config(
    shared: SharedData,
    model: Seq2SeqConfig,
    train: TrainConfig,
    decode: DecodeConfig,
    folder: Path,
    job: str,
) -> Path:
    """Joey's YAML; the scale job gets its own model folder (Joey wipes it)."""
    task = shared.task()
    tokenizer = Tokenizer.load(shared.tokenizer_path)
    data = {
        "data_dir": shared.data_dir,
        "tokenizer": shared.tokenizer_path,
        "vocab": shared.vocab_path,
        "special_tokens": tokenizer.pieces(
            [tokenizer.pad_id, tokenizer.unk_id, tokenizer.bos_id, tokenizer.eos_id]
        ),
        "max_source_tokens": task.max_source_tokens - 1,  # ours counts its eos
        "max_target_tokens": task.max_target_tokens,
    }
    model_dir = folder / ("joey-scale" if job == "scale" else "joey-model")
    path = folder / f"joey-{'scale' if job == 'scale' else 'model'}.yaml"
    config = joey_config(model, train, decode, data, model_dir)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def hand_over_weights(spec_path: Path, trained: list[dict[str, Any]]) -> None:
    """Point a decoding job at the weights the train job left: ``checkpoint`` (the
    final weights) and ``points`` (the learning curve's snapshots, then the final
    weights), from the train job's records."""
    final = next(record for record in trained if record["kind"] == "train")
    points = [
        {**record, "final": False} for record in trained if record["kind"] == "snapshot"
    ]
    points.append({**final, "final": True})
    spec = json.loads(spec_path.read_text())
    spec["checkpoint"] = final["checkpoint"]
    spec["points"] = [
        {key: point[key] for key in ("checkpoint", "trained_s", "steps", "final")}
        for point in points
    ]
    spec_path.write_text(json.dumps(spec, indent=2) + "\n")
