"""How likely a model finds given targets: what ``Predictor.score`` returns and
what a task's model metrics and baselines are handed to call (``Scorer``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from s2s_hub.data.pairs import Pair


@dataclass(frozen=True)
class TargetScore:
    """How likely the model finds a given target: summed log-probability of its
    tokens and end of sentence, over ``tokens`` positions."""

    log_prob: float
    tokens: int

    @property
    def mean_log_prob(self) -> float:
        return self.log_prob / self.tokens


#: Teacher-forced log-probabilities of the pairs' targets (``Predictor.score``).
Scorer = Callable[[list[Pair]], list[TargetScore]]
