"""The ONNX Runtime search state (``serving/graph_state.py``): laid out from the
step graph's input shapes, and reordered as ``DecoderState`` is."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch

from s2s_hub.serving.graph_state import GraphState, StateLayout

INPUTS = [
    SimpleNamespace(name="prev_tokens", shape=["rows"]),
    SimpleNamespace(name="memory", shape=["sentences", "src_len", 4]),
    SimpleNamespace(name="feed", shape=["rows", 3]),
    SimpleNamespace(name="h", shape=[2, "rows", 3]),
    SimpleNamespace(name="best", shape=[1]),
]


def state() -> GraphState:
    """Two sentences of one row each, every value its sentence's number."""
    layout = StateLayout.of(INPUTS, {"prev_tokens"})
    arrays = {
        "memory": np.arange(2.0).reshape(2, 1, 1).repeat(5, 1).repeat(4, 2),
        "feed": np.arange(2.0).reshape(2, 1).repeat(3, 1),
        "h": np.arange(2.0).reshape(1, 2, 1).repeat(2, 0).repeat(3, 2),
    }
    return GraphState(arrays, layout)


def test_the_layout_is_read_from_the_shapes():
    layout = StateLayout.of(INPUTS, {"prev_tokens"})
    assert layout.rows == {"feed": 0, "h": 1}
    assert layout.sentences == ("memory",)


def test_rows_move_and_sentences_stay_until_one_leaves():
    beams = state().expand(3)  # rows 0-2: sentence 0, rows 3-5: sentence 1
    assert beams.arrays["feed"][:, 0].tolist() == [0, 0, 0, 1, 1, 1]
    assert beams.arrays["h"][1, :, 0].tolist() == [0, 0, 0, 1, 1, 1]
    assert beams.arrays["memory"].shape == (2, 5, 4)  # shared by the beams
    moved = beams.reorder(torch.tensor([2, 2, 0, 5, 3, 3]))
    assert moved.arrays["memory"] is beams.arrays["memory"]
    kept = moved.keep(torch.tensor([3, 4, 5]), torch.tensor([1]))
    assert kept.arrays["feed"][:, 0].tolist() == [1, 1, 1]
    assert kept.arrays["memory"][:, 0, 0].tolist() == [1]


def test_a_step_replaces_what_it_carries_and_counts():
    start = state()
    feed = np.full((2, 3), 7.0)
    after = start.stepped({"feed": feed})
    assert after.arrays["feed"] is feed and after.step == 1
    assert after.arrays["h"] is start.arrays["h"] and start.step == 0
