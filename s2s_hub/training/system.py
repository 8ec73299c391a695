"""The one LightningModule that trains a ``Seq2Seq`` for any registered task."""

from __future__ import annotations

import math
from typing import Any

import pytorch_lightning as pl
import torch
import torch.distributed as dist
from torch import Tensor
from torch.optim.lr_scheduler import ReduceLROnPlateau

from s2s_hub.data.collate import Batch
from s2s_hub.files import TOKENIZER_KEY
from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.model.decoder import DecoderState
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task, get_task
from s2s_hub.search.config import DecodeConfig
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.distractors import distractor_loss, mean_log_probs
from s2s_hub.training.loss import (
    linear_smoothed_cross_entropy,
    smoothed_cross_entropy,
    token_log_probs,
)
from s2s_hub.training.schedules import build_scheduler


class Seq2SeqSystem(pl.LightningModule):
    """Teacher-forced training with label smoothing; validation on decoded text.

    The tokenizer travels inside the Lightning checkpoint (as its serialized
    SentencePiece proto), so a ``.ckpt`` is enough to resume, evaluate or export.
    """

    def __init__(
        self,
        model: dict[str, Any],
        task: str,
        task_options: dict[str, Any] | None = None,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        label_smoothing: float = 0.1,
        scheduler: str = "plateau",
        warmup_steps: int = 1000,
        plateau_patience: int = 2,
        plateau_factor: float = 0.5,
        val_max_length: int = 100,
        distractor_weight: float = 0.0,
        distractor_count: int = 1,
        distractor_pool: str = "batch",
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.model = Seq2Seq(Seq2SeqConfig.from_dict(model))
        self.task: Task = get_task(task, **(task_options or {}))
        self.tokenizer: Tokenizer | None = None
        self._val_outputs: dict[int, str] = {}
        # the previous training batch's targets, for distractor_pool "previous"
        self._previous_targets: tuple[Tensor, Tensor] | None = None

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor) -> Tensor:
        return self.model(src, src_lengths, tgt_in).logits

    def _losses(self, batch: Batch) -> tuple[Tensor, Tensor]:
        """Label-smoothed loss and plain NLL, both per non-pad target token, plus
        the weighted distractor loss (``training.distractors``) in training.

        Only non-pad positions are projected to the vocabulary, a chunk at a time
        (``training.loss``): no (batch x tgt_len x vocab) logit tensor is built.
        """
        smoothing = self.hparams.label_smoothing
        weight = self.hparams.get("distractor_weight", 0.0) if self.training else 0.0
        state = self.model.encode(batch.src, batch.src_lengths)
        if self.model.copy is not None or weight > 0:
            # the mixture has no closed-form gradient, and the ranking needs each
            # row's log-probability: plain autograd, still only over non-pad
            log_probs, keep = token_log_probs(
                self.model, state, batch.tgt_in, batch.tgt_out
            )
            loss, nll = smoothed_cross_entropy(
                log_probs, batch.tgt_out[keep], smoothing
            )
            if weight > 0:
                true_scores = mean_log_probs(log_probs, batch.tgt_out, keep)
                ranking = self._ranking_loss(state, batch, true_scores)
                self.log("train_distractor_loss", ranking, batch_size=len(keep))
                loss = loss + weight * ranking
            return loss, nll
        vectors, _ = self.model.decoder(batch.tgt_in, state)
        keep = batch.tgt_out != self.model.pad_id  # batch x tgt_len
        output = self.model.output_layer
        return linear_smoothed_cross_entropy(
            vectors[keep],
            output.weight,
            output.bias,
            batch.tgt_out[keep],
            smoothing,
        )

    def _ranking_loss(
        self, state: DecoderState, batch: Batch, true_scores: Tensor
    ) -> Tensor:
        """The distractor loss against the configured pool; "previous" falls back
        to the batch itself on a process's first step."""
        count = self.hparams.get("distractor_count", 1)
        pool = None
        if self.hparams.get("distractor_pool", "batch") == "previous":
            pool = self._previous_targets
            self._previous_targets = (batch.tgt_in, batch.tgt_out)
        return distractor_loss(self.model, state, batch, true_scores, count, pool)

    def _step(self, batch: Batch, stage: str) -> Tensor:
        loss, nll = self._losses(batch)
        on_step = stage == "train"
        size = int(batch.n_tokens)
        self.log(
            f"{stage}_loss",
            loss,
            prog_bar=True,
            on_step=on_step,
            on_epoch=not on_step,
            batch_size=size,
            sync_dist=not on_step,
        )
        self.log(
            f"{stage}_nll",
            nll,
            on_step=on_step,
            on_epoch=not on_step,
            batch_size=size,
            sync_dist=not on_step,
        )
        return loss

    def training_step(self, batch: Batch, batch_idx: int) -> Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        self._step(batch, "val")
        if self.tokenizer is None:
            return
        # decoded as a user's text would be, so through the task's segments (e.g.
        # sentence by sentence): whole paragraphs decoded at once say little about
        # the model that ships, and once stalled an early stop
        config = DecodeConfig(method="greedy", max_length=self.hparams.val_max_length)
        pairs = self.trainer.datamodule.val_pairs
        indices = batch.index.tolist()
        predictor = Predictor(self.model, self.tokenizer, self.task)
        outputs = predictor.translate([pairs[i].source for i in indices], config)
        self._val_outputs.update(zip(indices, outputs, strict=True))

    def on_validation_epoch_start(self) -> None:
        self._val_outputs = {}

    def on_validation_epoch_end(self) -> None:
        outputs = _gather_dicts(self._val_outputs)
        self._val_outputs = {}
        if not outputs or self.trainer.sanity_checking:
            return
        pairs = self.trainer.datamodule.val_pairs
        order = sorted(outputs)
        scores = self.task.metrics(
            [outputs[i] for i in order],
            [pairs[i].target for i in order],
            [pairs[i].source for i in order],
        )
        # ranking metrics (dialogue's hits@1) need the model's scores of given
        # targets, not its outputs
        predictor = Predictor(self.model, self.tokenizer, self.task)
        scores.update(self.task.model_metrics(predictor.score, pairs))
        nll = self.trainer.callback_metrics.get("val_nll")
        if nll is not None:
            scores["ppl"] = math.exp(min(float(nll), 50.0))
        for name, value in scores.items():
            # every rank holds the same gathered value: syncing averages equals
            prog_bar = name == self.task.selection_metric
            self.log(f"val_{name}", float(value), prog_bar=prog_bar, sync_dist=True)
        self._step_plateau()

    def _step_plateau(self) -> None:
        """Step a plateau schedule after every validation, not every epoch.

        Lightning steps it at epoch ends only: with validation every 250 steps and
        epochs of ~900, patience 2 meant ~2,700 steps without a new low, so the rate
        never dropped in a whole sitting.
        """
        loss = self.trainer.callback_metrics.get("val_loss")
        if loss is None:
            return
        for config in self.trainer.lr_scheduler_configs:
            if isinstance(config.scheduler, ReduceLROnPlateau):
                config.scheduler.step(float(loss))

    def lr_scheduler_step(self, scheduler: Any, metric: Any) -> None:
        # the plateau schedule is stepped by ``_step_plateau`` instead
        if not isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step()

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        self._step(batch, "test")

    def configure_optimizers(self) -> dict[str, Any]:
        # the fused kernel updates every tensor in one pass: on CPU the default
        # per-parameter loop cost ~30 ms a step for the 11M-parameter model
        optimizer = torch.optim.Adam(
            self.parameters(),
            lr=self.hparams.lr,
            weight_decay=self.hparams.weight_decay,
            fused=self.device.type in ("cpu", "cuda"),
        )
        return build_scheduler(optimizer, self.hparams)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if self.tokenizer is not None:
            checkpoint[TOKENIZER_KEY] = self.tokenizer.to_bytes()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if TOKENIZER_KEY in checkpoint:
            self.tokenizer = Tokenizer.from_bytes(checkpoint[TOKENIZER_KEY])


def _gather_dicts(local: dict[int, str]) -> dict[int, str]:
    """Merge every rank's {example index: hypothesis} so metrics see the whole set."""
    if not (dist.is_available() and dist.is_initialized()):
        return local
    parts: list[dict[int, str] | None] = [None] * dist.get_world_size()
    dist.all_gather_object(parts, local)
    merged: dict[int, str] = {}
    for part in parts:
        merged.update(part or {})
    return merged
