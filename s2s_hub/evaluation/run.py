"""Scoring a predictor on a task split: the numbers that go into README and cards."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace

from s2s_hub.data.pairs import Pair
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task
from s2s_hub.scoring.targets import TargetScore
from s2s_hub.search.config import DecodeConfig
from s2s_hub.serving.config import serving_name


@dataclass
class Evaluation:
    """Scores of one decoding run over one split, with what produced them and the
    task's trivial baselines on the same split (``baselines``: name and scores, or
    why one was skipped; ``baseline``: the first, as earlier result files hold it).

    ``precision`` and ``runtime`` say how the model was served (``s2s-hub evaluate
    --precision``), and ``path`` names that way of serving as it ran on the
    machine (``serving_name``: int8 on a CPU with AMX is ``int8-amx``; empty in
    files written before it was recorded). ``precisions`` holds the scores of the
    same model, split and decoding served otherwise, by path (``{"int8":
    {"scores": ...}}``): the card shows them, and ``precision="auto"`` serves a
    reduced precision only where its score is recorded there and close to this
    run's. ``parts`` holds the scores of each of the task's ``parts`` of the
    split ( ``{"messages": {"examples": ..., "scores": ..., "baselines": ...}}``),
    the baselines scored on the same part."""

    task: str
    split: str
    scores: dict[str, float]
    decoding: dict
    examples: int
    seconds: float
    baseline: dict | None = None
    baselines: list[dict] = field(default_factory=list)
    precision: str = "fp32"
    runtime: str = "torch"
    path: str = ""
    precisions: dict[str, dict] = field(default_factory=dict)
    parts: dict[str, dict] = field(default_factory=dict)
    hypotheses: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        result = asdict(self)
        result.pop("hypotheses")
        return result

    def scored_baselines(self) -> list[dict]:
        """The baselines this run scored, skipped ones left out (files written
        before there were several hold only ``baseline``)."""
        scored = scored_only(self.baselines)
        return scored or ([self.baseline] if self.baseline else [])

    def with_precision(self, other: Evaluation) -> Evaluation:
        """This run with ``other``'s scores recorded under ``precisions``.

        Raises:
            ValueError: ``other`` scored another task, split, number of examples
                or decoding, so its scores cannot be compared with these.
        """
        name = other.path or serving_name(other.precision, other.runtime)
        if name == "fp32":
            raise ValueError("these are fp32 scores, not those of another precision")
        for field_name in ("task", "split", "examples", "decoding"):
            theirs, ours = getattr(other, field_name), getattr(self, field_name)
            if theirs != ours:
                raise ValueError(
                    f"the {name} scores are of another {field_name} ({theirs!r}, "
                    f"not {ours!r}): they cannot stand beside these"
                )
        scores = {**self.precisions, name: {"scores": other.scores}}
        return replace(self, precisions=scores)


def evaluate(
    predictor: Predictor,
    split: str = "test",
    config: DecodeConfig | None = None,
    limit: int | None = None,
    with_baseline: bool = True,
    baseline_task: Task | None = None,
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> Evaluation:
    """Decode every source of ``split`` and score it with the task's metrics, the
    model's perplexity of the references and the task's model metrics.

    The task's baselines are scored first, on the same split (``limit`` applies
    to the model only), learning from ``baseline_task``'s data (the model's own
    task, when ``predictor.task`` reads another folder); a baseline that cannot be
    scored is logged as skipped before the model decodes. ``with_baseline=False``
    skips them where only models are compared. Each of the task's ``parts`` of
    the split is scored on its own as well, beside the baselines on that part."""
    task = predictor.task
    config = config or task.decoding
    every_pair = task.pairs(split)
    scorer = baseline_task or task

    def baselines(pairs: list[Pair]) -> list[dict]:
        found = scorer.baselines(pairs, predictor.tokenizer) if with_baseline else []
        return [{**b.to_dict(), "scores": _rounded(b.scores)} for b in found]

    entries = baselines(every_pair)
    for entry in entries:
        if "skipped" in entry:
            log(f"baseline {entry['name']!r} skipped: {entry['skipped']}")
    parts = {name: (p, baselines(p)) for name, p in task.parts(split).items()}
    scored = scored_only(entries)
    pairs = every_pair[:limit]
    started = time.perf_counter()
    hypotheses = predictor.translate([p.source for p in pairs], config)
    seconds = time.perf_counter() - started
    decoded = _Decoded(task, pairs, hypotheses, predictor.score(pairs))
    scores = decoded.scores(range(len(pairs)))
    scores.update(task.model_metrics(predictor.score, pairs))
    return Evaluation(
        task=task.name,
        split=split,
        scores=_rounded(scores),
        decoding=asdict(config),
        examples=len(pairs),
        seconds=round(seconds, 2),
        baseline=scored[0] if scored else None,
        baselines=entries,
        precision=predictor.serving.precision,
        runtime=predictor.serving.runtime,
        path=predictor.serving.name,
        parts=decoded.parts(parts),
        hypotheses=hypotheses,
    )


@dataclass
class _Decoded:
    """The decoded pairs of a split, their outputs and the references' scores,
    which the whole split and each of its parts are scored from."""

    task: Task
    pairs: list[Pair]
    hypotheses: list[str]
    references: list[TargetScore]

    def scores(self, rows: Iterable[int]) -> dict[str, float]:
        """The task's metrics and the references' perplexity over ``rows``."""
        rows = list(rows)
        pairs = [self.pairs[r] for r in rows]
        return {
            **self.task.metrics(
                [self.hypotheses[r] for r in rows],
                [p.target for p in pairs],
                [p.source for p in pairs],
            ),
            "ppl": perplexity([self.references[r] for r in rows]),
        }

    def parts(self, parts: dict[str, tuple[list[Pair], list[dict]]]) -> dict[str, dict]:
        """Each part's scores over its decoded pairs (``limit`` may leave some
        out, or all: that part is not reported), beside its baselines."""
        row_of = {pair: row for row, pair in enumerate(self.pairs)}
        results = {}
        for name, (part, baselines) in parts.items():
            rows = [row_of[pair] for pair in part if pair in row_of]
            if rows:
                results[name] = {
                    "examples": len(rows),
                    "scores": _rounded(self.scores(rows)),
                    "baselines": baselines,
                }
        return results


def scored_only(baselines: list[dict]) -> list[dict]:
    """The stored baselines that were scored, those skipped left out."""
    return [b for b in baselines if "skipped" not in b]


def perplexity(scores: list[TargetScore]) -> float:
    """exp of the mean negative log-probability per target token (EOS included)."""
    tokens = sum(s.tokens for s in scores)
    return math.exp(-sum(s.log_prob for s in scores) / tokens)


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in scores.items()}
