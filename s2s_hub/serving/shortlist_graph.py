"""The step graph with its output layer read from inputs, for a shortlist.

``shortlist.Shortlist`` picks a batch's target tokens; the step graph then
scores only those: its output layer's weight and bias become the inputs
``OUTPUT_INPUTS`` (the shortlist's rows of them, given once a batch), and every
vocabulary axis after it, log-softmax, the copy gate's scatter and beam search's
top-k, has the shortlist's length. The graph sees places in the shortlist where
it saw token ids: the source ids it copies are given as places, and its
candidates' tokens come back as places. A special token's place is its id
(``Shortlist.kept``), so the graph's end-of-sentence checks hold unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from s2s_hub.serving.shortlist import Shortlist

if TYPE_CHECKING:
    import onnx

#: the step graph's inputs for the shortlist's rows of the output layer
OUTPUT_INPUTS = ("output_weight", "output_bias")


@dataclass(frozen=True)
class OutputLayer:
    """The full output layer of a step graph, whose rows a shortlist takes.

    Attributes:
        weight: (vocab, hidden), as ``nn.Linear`` holds it.
        bias: (vocab,).
    """

    weight: np.ndarray
    bias: np.ndarray


@dataclass(frozen=True)
class Shortlisted:
    """A model's shortlist and the output layer it selects rows of."""

    shortlist: Shortlist
    layer: OutputLayer

    def inputs(self, tokens: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The shortlist of a batch's ``tokens`` and its ``OUTPUT_INPUTS``."""
        ids = self.shortlist.ids(tokens)
        columns = (self.layer.weight[ids].T.copy(), self.layer.bias[ids])
        return ids, dict(zip(OUTPUT_INPUTS, columns, strict=True))


def open_output_layer(path: Path) -> tuple[onnx.ModelProto, OutputLayer]:
    """The step graph at ``path`` with its output layer's weight and bias as
    inputs (an ``onnx.ModelProto``), and that layer.

    Raises:
        ValueError: the graph's output layer is not one ``Gemm`` of the
            ``output_layer`` module's weight (the Transformer's graphs).
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(path)
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    gemm = next(
        (
            node
            for node in graph.node
            if node.op_type == "Gemm" and node.name.startswith("/output_layer/")
        ),
        None,
    )
    plain = gemm is not None and [
        (a.name, helper.get_attribute_value(a)) for a in gemm.attribute
    ] in ([("alpha", 1.0), ("beta", 1.0), ("transB", 1)], [("transB", 1)])
    if not plain or any(name not in initializers for name in gemm.input[1:]):
        raise ValueError(
            f"{path}: no Gemm of the output layer's weight and bias, which a "
            "shortlist replaces (the RNN's step graph has one)"
        )
    weight, bias = (initializers[name] for name in gemm.input[1:])
    layer = OutputLayer(numpy_helper.to_array(weight), numpy_helper.to_array(bias))
    graph.initializer.remove(weight)
    graph.initializer.remove(bias)
    # a product and a sum, not a Gemm of the weight (vocabulary, hidden): ONNX
    # Runtime's quantizer turns that into a transpose at every step
    logits = gemm.output[0]
    products = helper.make_node(
        "MatMul", [gemm.input[0], OUTPUT_INPUTS[0]], [f"{logits}_product"]
    )
    with_bias = helper.make_node(
        "Add", [products.output[0], OUTPUT_INPUTS[1]], [logits]
    )
    place = list(graph.node).index(gemm)
    graph.node.remove(gemm)
    graph.node.insert(place, with_bias)
    graph.node.insert(place, products)
    hidden = layer.weight.shape[1]
    graph.input.extend(
        [
            helper.make_tensor_value_info(
                OUTPUT_INPUTS[0], TensorProto.FLOAT, [hidden, "vocabulary"]
            ),
            helper.make_tensor_value_info(
                OUTPUT_INPUTS[1], TensorProto.FLOAT, ["vocabulary"]
            ),
        ]
    )
    for output in graph.output:
        for axis in output.type.tensor_type.shape.dim:
            if axis.dim_value == len(layer.bias):
                axis.dim_param = "vocabulary"
    onnx.checker.check_model(model)
    return model, layer
