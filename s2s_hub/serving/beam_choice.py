"""Beam search's choice at each step as nodes of the step graph.

``top_candidates`` (``search/candidates.py``) ranks each sentence's extensions in
torch after the step; these nodes compute the same in the step graph
(``RanksCandidates``), where ONNX Runtime runs them without the per-call cost of
torch that a small step pays in Python (issue 34).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from s2s_hub.serving.signatures import (
    CANDIDATE_INPUTS,
    CANDIDATE_OUTPUTS,
    GROWING_OUTPUTS,
)


def add_candidates(path: Path, eos_id: int) -> None:
    """Give the step graph at ``path`` beam search's choice (``RanksCandidates``)
    as ``top_candidates`` makes it, without leaving ONNX Runtime: each
    sentence's ``kept`` best extensions of its beams, the sums of
    ``beam_scores`` (live, beam) and each row's ``best`` highest
    log-probabilities, and the ``beam`` best of them that do not end in eos."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(path)
    graph = model.graph
    scores, best, kept = CANDIDATE_INPUTS
    graph.input.extend(
        [
            helper.make_tensor_value_info(scores, TensorProto.FLOAT, ["live", "beam"]),
            helper.make_tensor_value_info(best, TensorProto.INT64, [1]),
            helper.make_tensor_value_info(kept, TensorProto.INT64, [1]),
        ]
    )
    constants = {"column": [-1, 1], "rest": [-1], "zero": 0, "one": 1, "eos": eos_id}
    graph.initializer.extend(
        numpy_helper.from_array(np.array(value, dtype=np.int64), name)
        for name, value in constants.items()
    )
    graph.node.extend([*_best_extensions(), *_growing()])
    dtypes = (TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT64)
    for names, width in ((CANDIDATE_OUTPUTS, kept), (GROWING_OUTPUTS, "beam")):
        graph.output.extend(
            helper.make_tensor_value_info(name, dtype, ["live", width])
            for name, dtype in zip(names, dtypes, strict=True)
        )
    onnx.checker.check_model(model)
    onnx.save(model, path)


def _best_extensions() -> list:
    """Nodes from ``log_probs`` to ``CANDIDATE_OUTPUTS``."""
    from onnx.helper import make_node as node

    scores, best, kept = CANDIDATE_INPUTS
    return [
        node("TopK", ["log_probs", best], ["row_scores", "row_tokens"], axis=-1),
        node("Reshape", [scores, "column"], ["row_sums"]),
        node("Add", ["row_sums", "row_scores"], ["extended"]),
        # (rows, best) as (live, beam * best): a sentence's extensions in a row
        node("Shape", [scores], ["live"], end=1),
        node("Concat", ["live", "rest"], ["by_sentence"], axis=0),
        node("Reshape", ["extended", "by_sentence"], ["sentence_sums"]),
        node("Reshape", ["row_tokens", "by_sentence"], ["sentence_tokens"]),
        node("TopK", ["sentence_sums", kept], ["candidate_scores", "slots"]),
        node(
            "GatherElements", ["sentence_tokens", "slots"], ["candidate_tokens"], axis=1
        ),
        # the slot's row: its beam in the sentence, after the sentence's first row
        node("Div", ["slots", best], ["beams"]),
        node("Shape", [scores], ["beam"], start=1, end=2),
        node("Size", [scores], ["rows"]),
        node("Squeeze", ["beam"], ["beam_size"]),
        node("Range", ["zero", "rows", "beam_size"], ["firsts"]),
        node("Reshape", ["firsts", "column"], ["first_rows"]),
        node("Add", ["beams", "first_rows"], ["candidate_rows"]),
    ]


def _growing() -> list:
    """Nodes from ``CANDIDATE_OUTPUTS`` to ``GROWING_OUTPUTS``: the first
    ``beam`` slots not ending in eos, where an ending slot counts ``kept`` more
    and the smallest ``beam`` are taken in order."""
    from onnx import TensorProto
    from onnx.helper import make_node as node

    kept = CANDIDATE_INPUTS[2]
    return [
        node("Equal", [CANDIDATE_OUTPUTS[2], "eos"], ["ends"]),
        node("Cast", ["ends"], ["ending"], to=TensorProto.INT64),
        node("Mul", ["ending", kept], ["deferred"]),
        node("Squeeze", [kept], ["kept_count"]),
        node("Range", ["zero", "kept_count", "one"], ["slot_numbers"]),
        node("Add", ["deferred", "slot_numbers"], ["order"]),
        node("TopK", ["order", "beam"], ["growing_order", "growing"], largest=0),
        *(
            node("GatherElements", [chosen, "growing"], [grows], axis=1)
            for chosen, grows in zip(CANDIDATE_OUTPUTS, GROWING_OUTPUTS, strict=True)
        ),
    ]
