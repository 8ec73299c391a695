"""Scoring a predictor on a task split: the numbers that go into README and cards."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

from s2s_hub.predictor import Predictor, TargetScore
from s2s_hub.search.config import DecodeConfig


@dataclass
class Evaluation:
    """Scores of one decoding run over one split, with what produced them and the
    task's trivial baseline on the same split (``baseline``: name and scores)."""

    task: str
    split: str
    scores: dict[str, float]
    decoding: dict
    examples: int
    seconds: float
    baseline: dict | None = None
    hypotheses: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        result = asdict(self)
        result.pop("hypotheses")
        return result


def evaluate(
    predictor: Predictor,
    split: str = "test",
    config: DecodeConfig | None = None,
    limit: int | None = None,
    with_baseline: bool = True,
) -> Evaluation:
    """Decode every source of ``split`` and score it with the task's metrics, the
    model's perplexity of the references and the task's model metrics; score the
    task's baseline on the same split (``limit`` applies to the model only).
    ``with_baseline=False`` skips it where only models are compared."""
    task = predictor.task
    config = config or task.decoding
    pairs = task.pairs(split)[:limit]
    started = time.perf_counter()
    hypotheses = predictor.translate([p.source for p in pairs], config)
    seconds = time.perf_counter() - started
    scores = task.metrics(
        hypotheses, [p.target for p in pairs], [p.source for p in pairs]
    )
    scores["ppl"] = perplexity(predictor.score(pairs))
    scores.update(task.model_metrics(predictor.score, pairs))
    baseline = task.baseline(split, predictor.tokenizer) if with_baseline else None
    return Evaluation(
        task=task.name,
        split=split,
        scores=_rounded(scores),
        decoding=asdict(config),
        examples=len(pairs),
        seconds=round(seconds, 2),
        baseline=baseline
        and {**baseline.to_dict(), "scores": _rounded(baseline.scores)},
        hypotheses=hypotheses,
    )


def perplexity(scores: list[TargetScore]) -> float:
    """exp of the mean negative log-probability per target token (EOS included)."""
    tokens = sum(s.tokens for s in scores)
    return math.exp(-sum(s.log_prob for s in scores) / tokens)


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in scores.items()}
