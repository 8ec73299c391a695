"""The search state of a model served by ONNX Runtime: the step graph's inputs,
kept as the arrays ONNX Runtime reads and returns.

Searches only reorder, expand and keep rows of a state (``SearchState``), so the
graphs' state need not become the torch model's ``DecoderState`` between steps.
Kept as arrays, it goes from one run to the next with no conversion, and NumPy
picks its rows: after a run of the step graph, a torch call cost beam search
about three times what a NumPy one did (the run leaves neither's code in the
caches).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import Tensor


@dataclass(frozen=True)
class StateLayout:
    """Which of the step graph's inputs are state, read from their shapes as
    ``graphs`` exports them: a row per hypothesis on the axis named ``rows``, or
    a row per sentence (encoder outputs, shared by its beams) on axis 0.

    Attributes:
        rows: the per-row inputs and the axis of their rows.
        sentences: the per-sentence inputs.
    """

    rows: dict[str, int]
    sentences: tuple[str, ...]

    @classmethod
    def of(cls, inputs, skip: set[str]) -> StateLayout:
        """The layout of ``inputs`` (ONNX Runtime's ``NodeArg``s) but ``skip``."""
        shapes = {node.name: node.shape for node in inputs if node.name not in skip}
        return cls(
            rows={name: s.index("rows") for name, s in shapes.items() if "rows" in s},
            sentences=tuple(name for name, s in shapes.items() if "sentences" in s),
        )


@dataclass
class GraphState:
    """``SearchState`` over the step graph's state inputs, by name.

    Attributes:
        arrays: every state input of the step graph.
        layout: which of them have a row per hypothesis, which per sentence.
        step: index of the target position the next step produces.
        vocabulary: the batch's shortlist, whose places the graph scores
            (``shortlist_graph``); None where it scores the whole vocabulary.
    """

    arrays: dict[str, np.ndarray]
    layout: StateLayout
    step: int = 0
    vocabulary: np.ndarray | None = None

    def reorder(self, index: Tensor) -> GraphState:
        """``SearchState.reorder``: the per-sentence arrays stay as they are."""
        return self._take(index.numpy(), None)

    def expand(self, count: int) -> GraphState:
        """``SearchState.expand``: each row ``count`` times in a row."""
        name, axis = next(iter(self.layout.rows.items()))
        rows = np.arange(self.arrays[name].shape[axis]).repeat(count)
        return self._take(rows, None)

    def keep(self, rows: Tensor, sentences: Tensor) -> GraphState:
        """``SearchState.keep``: rows ``rows`` of sentences ``sentences``."""
        return self._take(rows.numpy(), sentences.numpy())

    def stepped(self, carried: dict[str, np.ndarray]) -> GraphState:
        """The state after a step whose ``next_*`` outputs are ``carried``, by
        the input name they replace."""
        arrays = self.arrays | carried
        return GraphState(arrays, self.layout, self.step + 1, self.vocabulary)

    def _take(self, rows: np.ndarray, sentences: np.ndarray | None) -> GraphState:
        arrays = dict(self.arrays)
        for name, axis in self.layout.rows.items():
            arrays[name] = arrays[name].take(rows, axis)
        if sentences is not None:
            for name in self.layout.sentences:
                arrays[name] = arrays[name].take(sentences, 0)
        return GraphState(arrays, self.layout, self.step, self.vocabulary)
