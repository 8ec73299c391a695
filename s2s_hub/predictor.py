"""A ready-to-use model: weights, tokenizer and task, from text in to text out."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from s2s_hub.data.bucketing import BucketBatchSampler
from s2s_hub.data.collate import collate
from s2s_hub.data.dataset import TokenizedPairs, encoder_input
from s2s_hub.data.pairs import Pair
from s2s_hub.files import (
    HPARAMS_KEY,
    TOKENIZER_KEY,
    checkpoint_weights,
    read_checkpoint,
)
from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.registry import Task, get_task
from s2s_hub.scoring.targets import TargetScore
from s2s_hub.search import Hypothesis, decode
from s2s_hub.search.config import DecodeConfig
from s2s_hub.serving.config import ServingConfig
from s2s_hub.tokenizer import Tokenizer

if TYPE_CHECKING:
    from s2s_hub.serving.onnx_model import OnnxSeq2Seq


@dataclass
class Prediction:
    """One hypothesis as text, with what the demo shows next to it."""

    text: str
    log_prob: float
    score: float
    source_pieces: list[str]
    target_pieces: list[str]
    attention: Tensor  # out_len x src_len (eos included on both sides)

    @property
    def probability(self) -> float:
        return math.exp(self.log_prob)


class Predictor:
    """Decodes raw text with a trained model; the one object every front end uses."""

    def __init__(
        self,
        model: Seq2Seq | OnnxSeq2Seq,
        tokenizer: Tokenizer,
        task: Task,
        decoding: DecodeConfig | None = None,
        serving: ServingConfig | None = None,
    ) -> None:
        """``model``: a torch model in any precision, or the exported graphs in
        ONNX Runtime (``s2s_hub.serving``). ``decoding``: the defaults this model
        decodes with, those its card's scores were measured with (a model folder
        stores them); default: the task's. ``serving``: the precision and runtime
        ``model`` is served in (``precision="auto"`` resolved), which evaluations
        record; default: fp32 torch."""
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.task = task
        self.decoding = decoding or task.decoding
        self.serving = serving or ServingConfig()

    @classmethod
    def from_checkpoint(cls, path: str | Path) -> Predictor:
        """Load a Lightning ``.ckpt`` written by ``s2s-hub train``, without pickle."""
        return cls.from_state(read_checkpoint(Path(path)), Path(path))

    @classmethod
    def from_state(cls, checkpoint: dict[str, Any], path: Path) -> Predictor:
        """The predictor in a checkpoint ``read_checkpoint(path)`` returned, for
        callers that need more of the file (its step, its recipe) and read it
        once."""
        hparams = checkpoint[HPARAMS_KEY]
        try:
            model = Seq2Seq(Seq2SeqConfig.from_dict(hparams["model"]))
            task = get_task(hparams["task"], **(hparams.get("task_options") or {}))
        except (KeyError, TypeError, ValueError) as error:
            reason = error.args[0] if error.args else error
            raise ValueError(
                f"{path}: its hyper-parameters do not describe an s2s-hub model "
                f"and task ({reason})"
            ) from error
        weights = checkpoint_weights(checkpoint)
        try:
            model.load_state_dict(weights, strict=True)
        except RuntimeError as error:
            summary = " ".join(str(error).split())
            raise ValueError(
                f"{path}: weights do not fit the model ({summary})"
            ) from error
        return cls(model, Tokenizer.from_bytes(checkpoint[TOKENIZER_KEY]), task)

    @property
    def device(self) -> torch.device:
        """Where the model's weights are; the CPU for a model served by ONNX
        Runtime, which has no torch weights."""
        weight = next(self.model.parameters(), None)
        return torch.device("cpu") if weight is None else weight.device

    def encode(self, texts: list[str]) -> tuple[Tensor, Tensor]:
        """Padded source ids (batch, src_len) with eos, and their lengths (batch,)."""
        ids = [
            encoder_input(
                row,
                self.task.max_source_tokens,
                self.tokenizer.eos_id,
                self.task.keep_source_end,
            )
            for row in self.tokenizer.encode_batch(texts)
        ]
        lengths = torch.tensor([len(row) for row in ids])
        src = torch.full((len(ids), int(lengths.max())), self.tokenizer.pad_id)
        for i, row in enumerate(ids):
            src[i, : len(row)] = torch.tensor(row)
        return src, lengths

    def predict(
        self, texts: list[str], config: DecodeConfig | None = None, batch_size: int = 64
    ) -> list[list[Prediction]]:
        """n-best predictions for each text, in input order.

        A text the task cuts into segments (``Task.segments``, e.g. sentences) is
        decoded segment by segment and its predictions are joined
        (``join_predictions``).
        """
        segments = [self.task.segments(text) for text in texts]
        flat = self._predict(
            [s for parts in segments for s in parts], config, batch_size
        )
        results, start = [], 0
        for parts in segments:
            chunk = flat[start : start + len(parts)]
            start += len(parts)
            separator = self.task.segment_separator
            results.append(
                chunk[0] if len(chunk) == 1 else join_predictions(chunk, separator)
            )
        return results

    @property
    def streams(self) -> int:
        """How many batches decode at once: a model in ONNX Runtime computes each
        call on one thread, so the cores take a batch each
        (``OnnxSeq2Seq.load``); torch spreads one batch over them."""
        return getattr(self.model, "streams", 1)

    def _predict(
        self, texts: list[str], config: DecodeConfig | None, batch_size: int
    ) -> list[list[Prediction]]:
        """n-best predictions of whole texts, decoded in batches sorted by length so
        that padding stays small (``streams`` of them at once)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        chunks = [
            [texts[i] for i in order[start : start + batch_size]]
            for start in range(0, len(order), batch_size)
        ]
        decode_chunk = partial(self._decode_chunk, config or self.decoding)
        if self.streams > 1 and len(chunks) > 1:
            # longest first, so that no stream is left with a long batch at the end
            with ThreadPoolExecutor(self.streams) as pool:
                decoded = list(pool.map(decode_chunk, chunks[::-1]))[::-1]
        else:
            decoded = [decode_chunk(chunk) for chunk in chunks]
        flat = [nbest for chunk in decoded for nbest in chunk]
        results = dict(zip(order, flat, strict=True))
        return [results[i] for i in range(len(texts))]

    @torch.inference_mode()  # per thread: each stream enters it
    def _decode_chunk(
        self, config: DecodeConfig, texts: list[str]
    ) -> list[list[Prediction]]:
        """n-best predictions of one batch of texts."""
        src, lengths = self.encode(texts)
        device = self.device
        nbests = decode(self.model, src.to(device), lengths.to(device), config)
        results = []
        for text, row, nbest in zip(texts, src, nbests, strict=True):
            source = row[row != self.tokenizer.pad_id].tolist()
            results.append([self._prediction(text, source, h) for h in nbest])
        return results

    def _prediction(
        self, text: str, source: list[int], hypothesis: Hypothesis
    ) -> Prediction:
        target = hypothesis.tokens + [self.tokenizer.eos_id]
        attended = partial(self._attended_source, text, hypothesis.attention)
        return Prediction(
            text=self.tokenizer.decode(hypothesis.tokens, fill=attended),
            log_prob=hypothesis.log_prob,
            score=hypothesis.score,
            source_pieces=self.tokenizer.pieces(source),
            target_pieces=self.tokenizer.pieces(target)[: len(hypothesis.attention)],
            attention=hypothesis.attention,
        )

    def _attended_source(
        self, text: str, attention: Tensor, start: int, end: int
    ) -> str:
        """The source characters that output pieces ``start..end`` attended to
        most, in source order: what pieces that spell nothing stand for (a word
        the model copies but has no pieces for, say)."""
        surfaces = encoder_input(
            self.tokenizer.surfaces(text),
            self.task.max_source_tokens,
            "",  # eos stands for no text
            self.task.keep_source_end,
        )
        last = len(surfaces) - 1
        columns = sorted(
            {min(c, last) for c in attention[start:end].argmax(-1).tolist()}
        )
        found: list[int] = []
        for column in columns:
            # a character made of byte pieces shows on its last one
            while column < last and not surfaces[column]:
                column += 1
            if column not in found:
                found.append(column)
        return "".join(surfaces[column] for column in found).strip()

    @torch.inference_mode()
    def score(self, pairs: list[Pair], batch_size: int = 128) -> list[TargetScore]:
        """Teacher-forced log-probability of each pair's target given its source,
        cut to the task's limits as in training; for perplexity and ranking."""
        data = TokenizedPairs(
            pairs,
            self.tokenizer,
            self.task.max_source_tokens,
            self.task.max_target_tokens,
            policy="truncate",
            split="scored",
            keep_source_end=self.task.keep_source_end,
        )
        if len(data) != len(pairs):
            raise ValueError("every pair to score needs a non-empty source and target")
        sampler = BucketBatchSampler(
            data.source_lengths,
            data.target_lengths,
            batch_size=batch_size,
            shuffle=False,
        )
        pad = self.tokenizer.pad_id
        batches = DataLoader(
            data,
            batch_sampler=sampler,
            collate_fn=partial(collate, pad_id=pad, bos_id=self.tokenizer.bos_id),
        )
        scores: dict[int, TargetScore] = {}
        device = self.device
        for batch in map(lambda b: b.to(device), batches):
            logits = self.model(batch.src, batch.src_lengths, batch.tgt_in).logits
            log_probs = logits.float().log_softmax(-1)  # fp32 for a bf16 model too
            gold = log_probs.gather(-1, batch.tgt_out.unsqueeze(-1))
            real = batch.tgt_out != pad
            sums = gold.squeeze(-1).masked_fill(~real, 0.0).sum(1)
            for index, total, count in zip(
                batch.index.tolist(), sums.tolist(), real.sum(1).tolist(), strict=True
            ):
                scores[index] = TargetScore(total, count)
        return [scores[i] for i in range(len(pairs))]

    def translate(
        self, texts: list[str], config: DecodeConfig | None = None
    ) -> list[str]:
        """The best output for each text."""
        return [nbest[0].text for nbest in self.predict(texts, config)]


def join_predictions(
    segments: list[list[Prediction]], separator: str = " "
) -> list[Prediction]:
    """One text's predictions from the n-best lists of its segments, in order.

    The k-th joined prediction puts together every segment's k-th best (its last
    one where a segment has fewer): texts joined by ``separator`` (none between
    Chinese sentences, ``Task.segment_separator``), log-probabilities and
    scores summed, attention as the block-diagonal of the segments' matrices (each
    output segment attended only to its own source segment).
    """
    joined = []
    for k in range(max(len(nbest) for nbest in segments)):
        parts = [nbest[min(k, len(nbest) - 1)] for nbest in segments]
        joined.append(
            Prediction(
                text=separator.join(p.text for p in parts),
                log_prob=sum(p.log_prob for p in parts),
                score=sum(p.score for p in parts),
                source_pieces=[x for p in parts for x in p.source_pieces],
                target_pieces=[x for p in parts for x in p.target_pieces],
                attention=torch.block_diag(*(p.attention for p in parts)),
            )
        )
    return joined
