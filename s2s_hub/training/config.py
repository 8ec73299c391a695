"""The training recipe and the hardware it runs on, as dataclasses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from s2s_hub.data.pairs import LENGTH_POLICIES

SCHEDULERS = ("plateau", "warmup", "constant")
LOGGERS = ("csv", "tensorboard", "both")
DISTRACTOR_POOLS = ("batch", "previous")
# what Lightning's Trainer takes as precision
LIGHTNING_PRECISIONS = (
    *("16-true", "16-mixed", "bf16-true", "bf16-mixed", "32-true", "64-true"),
    *("16", "bf16", "32", "64", "transformer-engine", "transformer-engine-float16"),
)
ACCELERATORS = ("cpu", "gpu", "cuda", "mps", "tpu", "auto")
MAX_TIME = re.compile(r"\d+:\d{1,2}:\d{1,2}:\d{1,2}")


@dataclass
class TrainConfig:
    """How to train: data, optimisation, stopping and logging.

    Attributes:
        out_dir: Run folder for tokenizer, checkpoints and logs.
        batch_size: Sentences per batch (ignored when max_tokens is set).
        max_tokens: Token budget per batch instead of a sentence count (0: none,
            batch by batch_size even where the task's recipe sets a budget).
        eval_batch_size: Sentences per validation/test batch.
        limit_train: Use only the first N training pairs (quick runs).
        max_train_length: Longest training side in tokens (default: the task's
            input and output limits, which also bound prediction). A lower value
            applies ``length_policy`` to training pairs only: long pairs cost
            quadratic attention time and teach little per step.
        vocab_size: SentencePiece vocabulary size (default: the task's).
        tokenizer_type: SentencePiece model type, unigram or bpe.
        length_policy: Over-long examples: filter them out or truncate them.
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        label_smoothing: Label smoothing of the cross entropy.
        distractor_weight: Weight of a loss that ranks each target above the
            previous rows' under the same source (``training.distractors``; 0: off).
        distractor_count: How many previous rows' targets each target is ranked
            against (each adds a decoder pass over the batch).
        distractor_pool: Whose targets the distractors are: the batch's own
            (batch: replies of similar length under length bucketing) or the
            previous training batch's (previous: another length bucket).
        scheduler: Learning-rate schedule: plateau, warmup or constant.
        warmup_steps: Warm-up steps of the warmup schedule.
        gradient_clip_val: Clip the gradient norm to this value (0: no clipping).
        max_epochs: Stop after this many epochs.
        max_steps: Stop after this many optimizer steps (-1: no limit).
        max_time: Stop after this wall-clock time, DD:HH:MM:SS.
        val_check_interval: Validate every N steps (int; counted across epochs) or
            fraction of an epoch.
        limit_val_batches: Validate on at most this many batches (int) or fraction;
            0 validates never (the benchmarks' timed runs).
        early_stopping_patience: Stop after this many validations without a better
            selection metric (0: never).
        checkpoint_every_n_steps: Also write ``last.ckpt`` every N optimizer steps,
            so that a killed run loses at most N steps (0: only when a better
            ``best.ckpt`` is written).
        logger: csv, tensorboard or both.
        init_from: Start from the weights and tokenizer of a trained model (a .ckpt,
            an exported folder or a Hub repo id) instead of random ones, with a
            fresh optimizer: continues a model whose run folder is gone (e.g. a
            bundled checkpoint) or fine-tunes it on other data. Its architecture
            wins over ``--model.*`` sizes.
        seed: Seed for weights, data order and tokenizer training.
        num_workers: DataLoader worker processes.
        precision: Lightning precision, e.g. 32-true or bf16-mixed.
    """

    out_dir: str = "runs/{task}"
    batch_size: int = 64
    max_tokens: int | None = None
    eval_batch_size: int = 128
    limit_train: int | None = None
    max_train_length: int | None = None
    vocab_size: int | None = None
    tokenizer_type: str = "unigram"
    length_policy: str = "filter"
    lr: float = 1e-3
    weight_decay: float = 0.0
    label_smoothing: float = 0.1
    distractor_weight: float = 0.0
    distractor_count: int = 1
    distractor_pool: str = "batch"
    scheduler: str = "plateau"
    warmup_steps: int = 1000
    gradient_clip_val: float = 1.0
    max_epochs: int = 10
    max_steps: int = -1
    max_time: str | None = None
    val_check_interval: float | int = 1.0
    limit_val_batches: float | int = 1.0
    early_stopping_patience: int = 0
    checkpoint_every_n_steps: int = 500
    logger: str = "csv"
    init_from: str | None = None
    seed: int = 0
    num_workers: int = 0
    precision: str = "32-true"

    def __post_init__(self) -> None:
        problems = [p for p in self._problems() if p]
        if problems:
            raise ValueError("invalid training config: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        choices = [
            ("scheduler", self.scheduler, SCHEDULERS),
            ("length_policy", self.length_policy, LENGTH_POLICIES),
            ("logger", self.logger, LOGGERS),
            ("tokenizer_type", self.tokenizer_type, ("unigram", "bpe")),
        ]
        return [
            *(
                f"{name} must be one of {allowed}, got {value!r}"
                for name, value, allowed in choices
                if value not in allowed
            ),
            "batch_size and max_tokens must be positive"
            if self.batch_size < 1 or (self.max_tokens or 0) < 0
            else "",
            "checkpoint_every_n_steps must be >= 0, "
            f"got {self.checkpoint_every_n_steps}"
            if self.checkpoint_every_n_steps < 0
            else "",
            f"max_train_length must be >= 2, got {self.max_train_length}"
            if self.max_train_length is not None and self.max_train_length < 2
            else "",
            f"lr must be positive, got {self.lr}" if self.lr <= 0 else "",
            f"distractor_weight must be >= 0, got {self.distractor_weight}"
            if self.distractor_weight < 0
            else "",
            f"distractor_count must be >= 1, got {self.distractor_count}"
            if self.distractor_count < 1
            else "",
            f"distractor_pool must be one of {DISTRACTOR_POOLS}, "
            f"got {self.distractor_pool!r}"
            if self.distractor_pool not in DISTRACTOR_POOLS
            else "",
            *self._range_problems(),
        ]

    def _range_problems(self) -> list[str]:
        """The numbers' bounds, the formats of max_time and precision, and
        out_dir: what Lightning or the data loader would otherwise reject late,
        with a traceback."""
        lowest = {
            "eval_batch_size": 1,
            "max_epochs": 1,
            "warmup_steps": 0,
            "early_stopping_patience": 0,
            "num_workers": 0,
            "seed": 0,
            "weight_decay": 0,
            "gradient_clip_val": 0,
        }
        optional = ("limit_train", "vocab_size")
        return [
            *(
                f"{name} must be >= {low}, got {getattr(self, name)}"
                for name, low in lowest.items()
                if getattr(self, name) < low
            ),
            *(
                f"{name} must be >= 1, got {getattr(self, name)}"
                for name in optional
                if getattr(self, name) is not None and getattr(self, name) < 1
            ),
            f"max_steps must be -1 (no limit) or >= 1, got {self.max_steps}"
            if self.max_steps == 0 or self.max_steps < -1
            else "",
            f"label_smoothing must be in [0, 1), got {self.label_smoothing}"
            if not 0 <= self.label_smoothing < 1
            else "",
            *(
                f"{name} must be a step count >= 1 or a fraction in (0, 1], got {value}"
                for name, value in (
                    ("val_check_interval", self.val_check_interval),
                    ("limit_val_batches", self.limit_val_batches or 1),  # 0: none
                )
                if value <= 0 or (value > 1 and value != int(value))
            ),
            f"max_time must be DD:HH:MM:SS, got {self.max_time!r}"
            if self.max_time is not None and not MAX_TIME.fullmatch(self.max_time)
            else "",
            f"precision must be one of {LIGHTNING_PRECISIONS}, got {self.precision!r}"
            if self.precision not in LIGHTNING_PRECISIONS
            else "",
            f"out_dir {self.out_dir} is a file, not a folder"
            if Path(self.out_dir).is_file()
            else "",
        ]


@dataclass
class DistributedConfig:
    """Where training runs; passed straight to Lightning's Trainer.

    Attributes:
        accelerator: cpu, gpu, mps or auto.
        devices: Devices per node: a count, a list of ids, or auto.
        num_nodes: Number of machines.
        strategy: auto, ddp, ddp_spawn, fsdp ... (see Lightning's Trainer).
    """

    accelerator: str = "auto"
    devices: int | str = "auto"
    num_nodes: int = 1
    strategy: str = "auto"

    def __post_init__(self) -> None:
        problems = [p for p in self._problems() if p]
        if problems:
            raise ValueError("invalid hardware settings: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        from pytorch_lightning.strategies import StrategyRegistry

        strategies = ("auto", *StrategyRegistry.available_strategies())
        devices = str(self.devices).strip("[]").replace(" ", "")
        return [
            f"accelerator must be one of {ACCELERATORS}, got {self.accelerator!r}"
            if self.accelerator not in ACCELERATORS
            else "",
            "devices must be auto, a count >= 1, -1 (all) or a list of ids, "
            f"got {self.devices!r}"
            if devices != "auto"
            and not re.fullmatch(r"-1|[1-9]\d*|\d+(,\d+)*,|\d+(,\d+)+", devices)
            else "",
            f"num_nodes must be >= 1, got {self.num_nodes}"
            if self.num_nodes < 1
            else "",
            f"strategy must be auto or one of Lightning's, got {self.strategy!r}"
            if self.strategy not in strategies
            else "",
        ]
