"""``train``: from a task and a recipe to a best checkpoint, through Lightning."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytorch_lightning as pl

from s2s_hub.files import TOKENIZER_FILE, read_checkpoint
from s2s_hub.learning_curve import record_folder_start, record_start
from s2s_hub.model import Seq2SeqConfig
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.config import DistributedConfig, TrainConfig
from s2s_hub.training.datamodule import Seq2SeqDataModule
from s2s_hub.training.system import Seq2SeqSystem
from s2s_hub.training.trainer import build_trainer

log = logging.getLogger(__name__)


def run_dir(task: Task, config: TrainConfig) -> Path:
    return Path(config.out_dir.format(task=task.name))


def build_tokenizer(
    task: Task, config: TrainConfig, folder: Path, resume: bool = False
) -> Tokenizer:
    """Train the task's SentencePiece model on its training pairs, or reuse the
    run folder's one: always when resuming (the run keeps its vocabulary), and in
    the ranks a distributed launcher starts after the first process wrote it.

    Raises:
        FileExistsError: a new run finds a tokenizer that these settings do not
            train (another run's): it would mix that vocabulary with new settings.
    """
    path = folder / TOKENIZER_FILE
    if path.exists() and (resume or not _first_process()):
        return Tokenizer.load(path)
    tokenizer = _train_tokenizer(task, config)
    # equal bytes: a node that trained the same tokenizer at the same time
    if path.exists() and path.read_bytes() != tokenizer.to_bytes():
        raise FileExistsError(
            f"{folder} holds another run's tokenizer: continue that run with "
            "--resume true, or start a new one in a fresh --train.out_dir"
        )
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(path)
    return tokenizer


def _train_tokenizer(task: Task, config: TrainConfig) -> Tokenizer:
    pairs = task.pairs("train")[: config.limit_train]
    texts = [text for pair in pairs for text in pair]
    vocab_size = config.vocab_size or task.vocab_size
    return Tokenizer.train(
        texts,
        vocab_size=vocab_size,
        model_type=config.tokenizer_type,
        seed=config.seed,
        # byte pieces cost 256 entries: only real vocabularies can afford them
        byte_fallback=vocab_size >= 1024,
        user_defined_symbols=task.special_tokens,
        character_coverage=task.character_coverage,
    )


def _first_process() -> bool:
    """Whether this is the process a user started, not a rank that a distributed
    launcher started later (those find rank 0's tokenizer in the folder, by design)."""
    ranks = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID")
    return all(os.environ.get(name, "0") == "0" for name in ranks)


def check_model(task: Task, model: dict[str, Any]) -> None:
    """Fail on a bad architecture before a tokenizer is trained or a file written
    (the vocabulary sizes come from the tokenizer later)."""
    sizes = {"src_vocab_size": 1, "tgt_vocab_size": 1}
    Seq2SeqConfig.from_dict({**task.model_defaults, **model, **sizes})


def warm_start(
    task: Task, config: TrainConfig, folder: Path, model: dict[str, Any]
) -> tuple[Seq2SeqSystem, Tokenizer]:
    """A system holding ``config.init_from``'s weights, and its tokenizer (saved in
    the run folder, where ``--resume`` finds it). The architecture is the start's;
    a copy gate the recipe or ``--model.copy`` asks for starts fresh on top, and
    ``--model.dropout`` applies: a model that overfits continues with more."""
    from s2s_hub.hub.loading import CHECKPOINT_SUFFIX, load

    folder.mkdir(parents=True, exist_ok=True)
    path = Path(config.init_from)
    if path.suffix == CHECKPOINT_SUFFIX:  # read once: the curve needs its step too
        checkpoint = read_checkpoint(path)
        start = Predictor.from_state(checkpoint, path)
        record_start(folder, path, checkpoint)
    else:
        start = load(config.init_from)
        if path.is_dir():
            record_folder_start(folder, path)
    architecture = {**model, **start.model.config.to_dict()}
    architecture["dropout"] = model.get("dropout", architecture["dropout"])
    # a copy gate is the one layer a recipe may add on top of a start without one
    architecture["copy"] |= {**task.model_defaults, **model}.get("copy", False)
    system = build_system(task, start.tokenizer, architecture, config)
    missing, unexpected = system.model.load_state_dict(
        start.model.state_dict(), strict=False
    )
    if unexpected or any(not name.startswith("copy.") for name in missing):
        raise ValueError(
            f"--train.init_from {config.init_from} does not fit the model: "
            f"missing {missing}, unexpected {unexpected}"
        )
    start.tokenizer.save(folder / TOKENIZER_FILE)
    return system, start.tokenizer


def build_system(
    task: Task, tokenizer: Tokenizer, model: dict[str, Any], config: TrainConfig
) -> Seq2SeqSystem:
    vocab = tokenizer.vocab_size
    sizes = {"src_vocab_size": vocab, "tgt_vocab_size": vocab}
    model_config = Seq2SeqConfig.from_dict({**task.model_defaults, **model, **sizes})
    system = Seq2SeqSystem(
        model=model_config.to_dict(),
        task=task.name,
        task_options=task.options(),
        lr=config.lr,
        weight_decay=config.weight_decay,
        label_smoothing=config.label_smoothing,
        distractor_weight=config.distractor_weight,
        distractor_count=config.distractor_count,
        distractor_pool=config.distractor_pool,
        scheduler=config.scheduler,
        warmup_steps=config.warmup_steps,
        val_max_length=task.max_target_tokens + 10,
    )
    system.tokenizer = tokenizer
    return system


def build_datamodule(
    task: Task, tokenizer: Tokenizer, config: TrainConfig
) -> Seq2SeqDataModule:
    """The task's data, batched as the recipe says."""
    return Seq2SeqDataModule(
        task,
        tokenizer,
        batch_size=config.batch_size,
        max_tokens=config.max_tokens or None,
        eval_batch_size=config.eval_batch_size,
        length_policy=config.length_policy,
        num_workers=config.num_workers,
        seed=config.seed,
        limit_train=config.limit_train,
        max_train_length=config.max_train_length,
    )


def train(
    task: Task,
    model: dict[str, Any] | None = None,
    config: TrainConfig | None = None,
    hardware: DistributedConfig | None = None,
    resume: bool = False,
) -> Path:
    """Train a model for ``task``; returns the best checkpoint's path.

    Args:
        model: ``Seq2SeqConfig`` fields overriding the task's model defaults.
        resume: continue from the run folder's ``last.ckpt``.
    """
    config = config or TrainConfig()
    hardware = hardware or DistributedConfig()
    pl.seed_everything(config.seed, workers=True, verbose=False)
    check_model(task, model or {})
    folder = run_dir(task, config)
    last = folder / "checkpoints" / "last.ckpt"
    if resume and not last.exists():
        raise FileNotFoundError(f"--resume: no {last} to resume from")
    if not resume and last.exists() and _first_process():
        raise FileExistsError(
            f"{folder} holds another run: continue it with --resume true, or "
            "start a new one in a fresh --train.out_dir"
        )
    if config.init_from and not resume:
        system, tokenizer = warm_start(task, config, folder, model or {})
    else:
        tokenizer = build_tokenizer(task, config, folder, resume)
        system = build_system(task, tokenizer, model or {}, config)
    data = build_datamodule(task, tokenizer, config)
    trainer = build_trainer(task, config, hardware, folder)
    trainer.fit(system, datamodule=data, ckpt_path=str(last) if resume else None)
    best = trainer.checkpoint_callback.best_model_path
    return Path(best) if best else last
