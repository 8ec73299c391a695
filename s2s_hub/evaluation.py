"""Scoring a predictor on a task split: the numbers that go into README and cards."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from s2s_hub.predictor import Predictor
from s2s_hub.search.config import DecodeConfig


@dataclass
class Evaluation:
    """Scores of one decoding run over one split, with what produced them."""

    task: str
    split: str
    scores: dict[str, float]
    decoding: dict
    examples: int
    seconds: float
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
) -> Evaluation:
    """Decode every source of ``split`` and score it with the task's metrics."""
    config = config or predictor.task.decoding
    pairs = predictor.task.pairs(split)[:limit]
    started = time.perf_counter()
    hypotheses = predictor.translate([p.source for p in pairs], config)
    seconds = time.perf_counter() - started
    scores = predictor.task.metrics(
        hypotheses, [p.target for p in pairs], [p.source for p in pairs]
    )
    return Evaluation(
        task=predictor.task.name,
        split=split,
        scores={k: round(float(v), 4) for k, v in scores.items()},
        decoding=asdict(config),
        examples=len(pairs),
        seconds=round(seconds, 2),
        hypotheses=hypotheses,
    )
