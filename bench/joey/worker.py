"""Joey NMT's side of the comparison, run by ``compare.py`` in Joey's venv.

    bench/.joey-venv/bin/python bench/joey/worker.py JOB SPEC RECORDS

The same four jobs as ``bench/ours.py``, through Joey's own code paths: ``train``
runs ``joeynmt.training.train`` (what ``python -m joeynmt train`` runs) for a
wall-clock budget; ``scale`` runs Joey's ``TrainManager`` a few steps at each batch
size; ``decode`` runs ``joeynmt.prediction.predict`` on the test set (what
``joeynmt test`` runs) and, for latency, on a one-sentence stream dataset (what
``joeynmt translate`` runs per sentence); ``curve`` runs the same ``predict`` on
the dev set at each snapshot and on the test set at the final weights. Steps are
fed to the same ``StepMeter`` as ours, by wrapping ``TrainManager._train_step``
in this process.
"""

from __future__ import annotations

import functools
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: instruments

import torch  # noqa: E402
from instruments import (  # noqa: E402
    Records,
    StepMeter,
    read_spec,
    record_snapshot,
    time_single_sentences,
)
from launch import apply_workarounds  # noqa: E402

apply_workarounds()

from joeynmt import prediction  # noqa: E402
from joeynmt.config import (  # noqa: E402
    load_config,
    parse_global_args,
    set_validation_args,
)
from joeynmt.data import load_data  # noqa: E402
from joeynmt.helpers import make_model_dir  # noqa: E402
from joeynmt.helpers_for_ddp import get_logger  # noqa: E402
from joeynmt.prediction import predict, prepare  # noqa: E402
from joeynmt.training import TrainManager  # noqa: E402
from joeynmt.training import train as joey_train  # noqa: E402

SEARCH = prediction.search

JOEY_STEP = TrainManager._train_step


def _meter_steps(
    meter: StepMeter, records: Records | None = None, run_dir: str = ""
) -> None:
    """Feed Joey's training steps to ``meter``, save the weights in Joey's
    checkpoint format when it asks for a snapshot (recorded in ``records``) and
    stop once its budget is spent (the step starting then still runs, as in our
    worker)."""

    def metered(manager: TrainManager, batch: Any) -> Any:
        if meter.over_budget():
            manager.stats.is_max_update = True  # Joey breaks after this step
        elif records and meter.snapshot_due():
            checkpoint = Path(run_dir) / f"joey-snapshot-{meter.steps}.ckpt"
            torch.save({"model_state": manager.model.state_dict()}, checkpoint)
            record_snapshot(records, meter, checkpoint)
        meter.step_started(int(batch.ntokens))
        return JOEY_STEP(manager, batch)

    TrainManager._train_step = metered


def _config(spec: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    cfg = load_config(Path(spec["joey_config"]))
    return cfg, Path(cfg["model_dir"])


def train(spec: dict[str, Any], records: Records) -> None:
    """Train for the budget; Joey saves the final weights as ``latest.ckpt``."""
    cfg, model_dir = _config(spec)
    make_model_dir(model_dir, overwrite=True)
    shutil.copy2(spec["joey_config"], model_dir / "config.yaml")
    get_logger("", log_file=str(model_dir / "train.log"))
    meter = StepMeter(spec["warmup"], spec["budget_s"], spec["snapshots"])
    _meter_steps(meter, records, spec["run_dir"])
    started = time.perf_counter()
    joey_train(rank=0, world_size=None, cfg=cfg, skip_test=True)
    seconds = time.perf_counter() - started
    checkpoint = (model_dir / "latest.ckpt").resolve()
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    records.write(
        "train",
        **meter.summary(),
        budget_s=spec["budget_s"],
        process_s=round(seconds, 1),
        batch_size=cfg["training"]["batch_size"],
        epochs=state["stats_state"]["epochs"],
        parameters=sum(t.numel() for t in state["model_state"].values()),
        checkpoint=str(checkpoint),
    )


def scale(spec: dict[str, Any], records: Records) -> None:
    """Training tokens/s at each batch size of the scale series."""
    cfg, model_dir = _config(spec)
    make_model_dir(model_dir, overwrite=True)
    args = parse_global_args(cfg, rank=0, mode="train")
    model, train_data, dev_data, _ = prepare(args, rank=0, mode="train")
    for batch_size in spec["scale_batch_sizes"]:
        meter = StepMeter(spec["warmup"])
        _meter_steps(meter)
        steps = spec["warmup"] + spec["scale_steps"] + 1
        manager = TrainManager(
            rank=0,
            model=model,
            model_dir=args.model_dir,
            device=args.device,
            n_gpu=args.n_gpu,
            num_workers=args.num_workers,
            autocast=args.autocast,
            seed=args.seed,
            train_args=args.train._replace(batch_size=batch_size, max_updates=steps),
            dev_args=set_validation_args(args.test),
        )
        manager.train_and_validate(train_data=train_data, valid_data=dev_data)
        records.write("scale", batch_size=batch_size, **meter.summary())


def decode(spec: dict[str, Any], records: Records) -> None:
    """Beam-search batch decoding of the test set, then single-sentence latency."""
    cfg, _ = _config(spec)
    cfg["testing"]["load_model"] = spec["checkpoint"]
    settings = spec["decode"]
    args = parse_global_args(cfg, rank=0, mode="test")
    model, _, _, test_data = prepare(args, rank=0, mode="test")
    beam = args.test._replace(beam_size=settings["beam_size"])

    def run(data: Any, batch_size: int, test_args: Any = beam) -> list[str]:
        return _predict(model, args, data, test_args._replace(batch_size=batch_size))

    for batch_size in settings["batch_sizes"]:
        started = time.perf_counter()
        hypotheses = run(test_data, batch_size)
        seconds = time.perf_counter() - started
        records.write(
            "decode",
            batch_size=batch_size,
            sentences=len(hypotheses),
            seconds=round(seconds, 3),
            sentences_per_s=round(len(hypotheses) / seconds, 2),
            hypotheses=hypotheses if batch_size == settings["equal_batch"] else None,
        )
    lines = Path(spec["test_sources"]).read_text("utf-8").splitlines()
    sources = lines[: settings["latency_sentences"]]
    *_, stream = load_data(cfg=args.data, datasets=["stream"])
    greedy = beam._replace(beam_size=1)

    def decode_one(text: str, test_args: Any) -> None:
        # Joey 2.3.0's predict does not pass min_output_length on to search
        prediction.search = functools.partial(
            SEARCH, min_output_length=test_args.min_output_length
        )
        stream.set_item(text)
        run(stream, 1, test_args)
        stream.reset_cache()

    for name, test_args in (("greedy", greedy), (f"beam{beam.beam_size}", beam)):
        natural = [test_args] * len(sources)
        latency = time_single_sentences(decode_one, sources, natural)
        records.write("latency", method=name, **latency)
        forced = [
            test_args._replace(min_output_length=steps - 1, max_output_length=steps)
            for steps in settings["reference_steps"]
        ]
        latency = time_single_sentences(decode_one, sources, forced)
        records.write("latency_equal", method=name, **latency)
    prediction.search = SEARCH


def _predict(model: Any, args: Any, data: Any, test_args: Any) -> list[str]:
    """Joey's ``predict`` (what ``joeynmt test`` runs): post-processed hypotheses in
    input order."""
    outputs = predict(
        model=model,
        data=data,
        device=args.device,
        n_gpu=args.n_gpu,
        compute_loss=False,
        normalization="none",
        num_workers=args.num_workers,
        args=test_args,
        autocast=args.autocast,
    )
    return outputs[2]


def curve(spec: dict[str, Any], records: Records) -> None:
    """Beam decoding of the dev set at every point of the learning curve, and of
    the test set at the last (the final weights)."""
    cfg, _ = _config(spec)
    settings = spec["decode"]
    for point in spec["points"]:
        cfg["testing"]["load_model"] = point["checkpoint"]
        args = parse_global_args(cfg, rank=0, mode="test")
        model, _, dev_data, test_data = prepare(args, rank=0, mode="test")
        beam = args.test._replace(
            beam_size=settings["beam_size"], batch_size=settings["equal_batch"]
        )
        splits = {"dev": dev_data, "test": test_data}
        for split in ("dev", "test") if point["final"] else ("dev",):
            records.write(
                "curve",
                split=split,
                trained_s=point["trained_s"],
                steps=point["steps"],
                hypotheses=_predict(model, args, splits[split], beam),
            )


COMMANDS = {"train": train, "scale": scale, "decode": decode, "curve": curve}


def main() -> None:
    command, spec_path, records_path = sys.argv[1:4]
    spec = read_spec(spec_path)
    torch.set_num_threads(spec["threads"])
    COMMANDS[command](spec, Records(records_path))


if __name__ == "__main__":
    main()
