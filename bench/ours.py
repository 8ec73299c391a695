"""s2s-hub's side of the comparison, run by ``compare.py`` in a child process.

    python bench/ours.py train|scale|decode|curve SPEC.json RECORDS.jsonl

``train`` trains through the library's own Lightning path (``build_system``,
``build_datamodule``, ``build_trainer``) for a wall-clock budget and saves the final
weights; ``scale`` times a few steps at each batch size of the scale series; ``decode``
loads the final weights into a ``Predictor`` and times beam-search batch decoding of
the test split and single-sentence latency, at the model's own output lengths and
forced to each reference's length (equal work for both toolkits); ``curve`` decodes
the dev split at each snapshot the training left (the learning curve against
wall-clock time) and the test split at the final weights. Joey's worker
(``joey/worker.py``) does the same four things with the same instruments.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from instruments import (
    Records,
    StepMeter,
    read_spec,
    record_snapshot,
    time_single_sentences,
)
from shared_data import TASK_OPTIONS

from s2s_hub.data.collate import Batch
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task, get_task
from s2s_hub.search.config import DecodeConfig
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.config import DistributedConfig, TrainConfig
from s2s_hub.training.run import build_datamodule, build_system
from s2s_hub.training.system import Seq2SeqSystem
from s2s_hub.training.trainer import build_trainer

FINAL_CHECKPOINT = "final.ckpt"


class MeteredSteps(pl.Callback):
    """Feeds every training step to a ``StepMeter``, saves the weights when the
    meter asks for a snapshot (recorded in ``records``) and stops training once the
    meter's budget is spent (the step starting then still runs, as in Joey's)."""

    def __init__(
        self, meter: StepMeter, records: Records | None = None, run_dir: str = ""
    ) -> None:
        self.meter = meter
        self.records = records
        self.run_dir = Path(run_dir)

    def on_train_batch_start(
        self, trainer: pl.Trainer, module: pl.LightningModule, batch: Batch, index: int
    ) -> None:
        if self.meter.over_budget():
            trainer.should_stop = True
        elif self.records and self.meter.snapshot_due():
            checkpoint = self.run_dir / f"snapshot-{self.meter.steps}.ckpt"
            trainer.save_checkpoint(checkpoint, weights_only=True)
            record_snapshot(self.records, self.meter, checkpoint)
        self.meter.step_started(batch.n_tokens)


def _task(spec: dict[str, Any]) -> Task:
    return get_task(spec["task"], data_dir=spec["data_dir"], **TASK_OPTIONS)


def _fit(
    spec: dict[str, Any],
    system: Seq2SeqSystem,
    overrides: dict[str, Any],
    callback: MeteredSteps,
) -> pl.Trainer:
    """One ``trainer.fit`` of ``system`` with the recipe's TrainConfig + overrides."""
    task = _task(spec)
    config = TrainConfig(**{**spec["train"], **overrides})
    data = build_datamodule(task, system.tokenizer, config)
    hardware = DistributedConfig(accelerator="cpu", devices=1)
    trainer = build_trainer(task, config, hardware, Path(config.out_dir))
    trainer.callbacks.append(callback)
    trainer.fit(system, datamodule=data)
    return trainer


def _system(spec: dict[str, Any]) -> Seq2SeqSystem:
    pl.seed_everything(spec["train"].get("seed", 0), verbose=False)
    tokenizer = Tokenizer.load(spec["tokenizer"])
    config = TrainConfig(**spec["train"])
    return build_system(_task(spec), tokenizer, spec["model"], config)


def train(spec: dict[str, Any], records: Records) -> None:
    """Train for the budget; the final weights go to ``run_dir/final.ckpt``."""
    system = _system(spec)
    meter = StepMeter(spec["warmup"], spec["budget_s"], spec["snapshots"])
    started = time.perf_counter()
    callback = MeteredSteps(meter, records, spec["run_dir"])
    trainer = _fit(spec, system, {}, callback)
    seconds = time.perf_counter() - started
    checkpoint = Path(spec["run_dir"]) / FINAL_CHECKPOINT
    trainer.save_checkpoint(checkpoint)
    records.write(
        "train",
        **meter.summary(),
        budget_s=spec["budget_s"],
        process_s=round(seconds, 1),
        batch_size=spec["train"]["batch_size"],
        epochs=trainer.current_epoch,
        parameters=sum(p.numel() for p in system.model.parameters()),
        checkpoint=str(checkpoint),
    )


def scale(spec: dict[str, Any], records: Records) -> None:
    """Training tokens/s at each batch size of the scale series."""
    system = _system(spec)
    for batch_size in spec["scale_batch_sizes"]:
        meter = StepMeter(spec["warmup"])
        steps = spec["warmup"] + spec["scale_steps"] + 1
        overrides = {
            "batch_size": batch_size,
            "max_steps": steps,
            "out_dir": str(Path(spec["run_dir"]) / "scale"),
        }
        _fit(spec, system, overrides, MeteredSteps(meter))
        records.write("scale", batch_size=batch_size, **meter.summary())


def decode(spec: dict[str, Any], records: Records) -> None:
    """Beam-search batch decoding of the test split, then single-sentence latency."""
    predictor = Predictor.from_checkpoint(spec["checkpoint"])
    settings = spec["decode"]
    sources = [pair.source for pair in _task(spec).pairs("test")]
    beam = _beam(settings)
    predictor.predict(sources[:2], beam)  # warm-up
    for batch_size in settings["batch_sizes"]:
        started = time.perf_counter()
        outputs = predictor.predict(sources, beam, batch_size=batch_size)
        seconds = time.perf_counter() - started
        hypotheses = [nbest[0].text for nbest in outputs]
        records.write(
            "decode",
            batch_size=batch_size,
            sentences=len(sources),
            seconds=round(seconds, 3),
            sentences_per_s=round(len(sources) / seconds, 2),
            hypotheses=hypotheses if batch_size == settings["equal_batch"] else None,
        )
    greedy = DecodeConfig(
        method="greedy", max_length=beam.max_length, min_length=beam.min_length
    )
    texts = sources[: settings["latency_sentences"]]

    def decode_one(text: str, config: DecodeConfig) -> None:
        predictor.predict([text], config)

    for name, config in (("greedy", greedy), (f"beam{beam.beam_size}", beam)):
        natural = [config] * len(texts)
        latency = time_single_sentences(decode_one, texts, natural)
        records.write("latency", method=name, **latency)
        forced = [
            replace(config, min_length=steps - 1, max_length=steps)
            for steps in settings["reference_steps"]
        ]
        latency = time_single_sentences(decode_one, texts, forced)
        records.write("latency_equal", method=name, **latency)


def _beam(settings: dict[str, Any]) -> DecodeConfig:
    return DecodeConfig(
        method="beam",
        beam_size=settings["beam_size"],
        max_length=settings["max_length"],
        min_length=settings["min_length"],
        length_penalty=settings["length_penalty"],
    )


def curve(spec: dict[str, Any], records: Records) -> None:
    """Beam decoding of the dev split at every point of the learning curve, and of
    the test split at the last (the final weights)."""
    task, settings = _task(spec), spec["decode"]
    beam = _beam(settings)
    splits = {
        "dev": [pair.source for pair in task.pairs("dev")],
        "test": [pair.source for pair in task.pairs("test")],
    }
    for point in spec["points"]:
        predictor = Predictor.from_checkpoint(point["checkpoint"])
        for split in ("dev", "test") if point["final"] else ("dev",):
            outputs = predictor.predict(
                splits[split], beam, batch_size=settings["equal_batch"]
            )
            records.write(
                "curve",
                split=split,
                trained_s=point["trained_s"],
                steps=point["steps"],
                hypotheses=[nbest[0].text for nbest in outputs],
            )


COMMANDS = {"train": train, "scale": scale, "decode": decode, "curve": curve}


def main() -> None:
    command, spec_path, records_path = sys.argv[1:4]
    spec = read_spec(spec_path)
    torch.set_num_threads(spec["threads"])
    COMMANDS[command](spec, Records(records_path))


if __name__ == "__main__":
    main()
