"""The instruments both toolkits' workers measure with, and how a worker reports.

Our worker runs in the project's Python, Joey's in its own virtual environment, so
this module imports nothing but the standard library. Using the very same
instruments on both sides is what makes the ratios fair.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


class StepMeter:
    """Target tokens per second of a training loop, timed at the start of each step.

    Call ``step_started(tokens)`` as a step begins, with the target tokens it will
    train on (eos included, padding excluded). The rate spans the starts of step
    ``warmup`` and of the last step: every interval holds a whole step (data
    loading, forward, backward, clipping, optimizer, logging) on both toolkits.

    Args:
        warmup: first steps left out of the rate (allocator and cache warm-up).
        budget_s: wall-clock budget of the loop, from the start of its first step.
        snapshots: points of a learning curve evenly spaced over the budget, the
            last being the final weights; ``snapshot_due`` says when the others are.
    """

    MIN_MEASURED_STEPS = 2

    def __init__(
        self, warmup: int, budget_s: float | None = None, snapshots: int = 0
    ) -> None:
        self.warmup = warmup
        self.budget_s = budget_s
        self.snapshot_marks = (
            [budget_s * point / snapshots for point in range(1, snapshots)]
            if budget_s and snapshots
            else []
        )
        self.starts: list[float] = []
        self.tokens_before: list[int] = []
        self._tokens = 0

    def step_started(self, tokens: int) -> None:
        self.starts.append(time.perf_counter())
        self.tokens_before.append(self._tokens)
        self._tokens += int(tokens)

    @property
    def steps(self) -> int:
        return len(self.starts)

    def elapsed(self) -> float:
        """Seconds since the first step started (0 before it)."""
        return time.perf_counter() - self.starts[0] if self.starts else 0.0

    def snapshot_due(self) -> bool:
        """Whether the weights should be saved before the step about to start: the
        training time passed the next mark. Both workers ask before each step, so
        both toolkits' snapshots hold the same training time."""
        if self.snapshot_marks and self.elapsed() >= self.snapshot_marks[0]:
            self.snapshot_marks.pop(0)
            return True
        return False

    def over_budget(self) -> bool:
        """Whether the loop should stop now: the budget is spent and enough steps
        were measured for a rate. Both workers ask before each step and let that
        step run, so both toolkits stop at the same point of a step."""
        if self.budget_s is None:
            return False
        enough = self.steps >= self.warmup + self.MIN_MEASURED_STEPS + 1
        return enough and self.elapsed() >= self.budget_s

    def summary(self) -> dict[str, Any]:
        """Rate over steps ``warmup`` .. last-1; NaN when fewer than two remain."""
        first, last = self.warmup, self.steps - 1
        # trained_s: first step start to last step start, the time the budget rules
        trained = round(self.starts[last] - self.starts[0], 1) if self.starts else 0.0
        if last - first < 1:
            return {
                "steps": self.steps,
                "measured_steps": 0,
                "trained_s": trained,
                "tokens_per_s": math.nan,
                "seconds_per_step": math.nan,
            }
        seconds = self.starts[last] - self.starts[first]
        tokens = self.tokens_before[last] - self.tokens_before[first]
        return {
            "steps": self.steps,
            "trained_s": trained,
            "measured_steps": last - first,
            "measured_tokens": tokens,
            "measured_seconds": round(seconds, 3),
            "tokens_per_s": round(tokens / seconds, 1),
            "seconds_per_step": round(seconds / (last - first), 4),
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation, as numpy's."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds of single-sentence decoding times."""
    return {
        "sentences": len(seconds),
        "p50_ms": round(1000 * percentile(seconds, 50), 2),
        "p95_ms": round(1000 * percentile(seconds, 95), 2),
        "mean_ms": round(1000 * sum(seconds) / max(len(seconds), 1), 2),
    }


def time_single_sentences(
    decode_one: Callable[[str, Any], object],
    texts: Sequence[str],
    configs: Sequence,
    rounds: int = 1,
) -> dict[str, float]:
    """Latency summary of ``decode_one(text, config)`` for each text with its config,
    after one untimed warm-up on the first.

    With ``rounds`` > 1 every text is timed once per round (each round goes
    through all texts) and counts with its median: a hosted CPU's bursts of
    contention then move no figure, where one pass put the p50 of 100 sentences
    anywhere within 2 ms of itself from one run to the next (issue 34).
    """
    decode_one(texts[0], configs[0])
    times: list[list[float]] = [[] for _ in texts]
    for _ in range(rounds):
        for text, config, timed in zip(texts, configs, times, strict=True):
            started = time.perf_counter()
            decode_one(text, config)
            timed.append(time.perf_counter() - started)
    return {**latency_summary([statistics.median(t) for t in times]), "rounds": rounds}


class Records:
    """A worker's results: one JSON object a line, flushed at once, so that what was
    measured before a worker is killed (memory guard, time limit) survives."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, kind: str, **values: Any) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"kind": kind, **values}) + "\n")


def record_snapshot(records: Records, meter: StepMeter, checkpoint: Path) -> None:
    """A learning-curve point: the weights at ``checkpoint`` after the meter's
    steps and training time so far."""
    records.write(
        "snapshot",
        checkpoint=str(checkpoint),
        trained_s=round(meter.elapsed(), 1),
        steps=meter.steps,
    )


def read_records(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def read_spec(path: str | Path) -> dict[str, Any]:
    """The JSON job description that ``compare.py`` hands a worker."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
