"""The step graph with its output layer read from inputs, for a shortlist.

``shortlist.Shortlist`` picks a batch's target tokens; the step graph then
scores only those: the output layer's tensors (fp32: weight and bias; int8: the
quantized weight, its scales and zero points, and the bias) become inputs, given
once a batch as the shortlist's slices of them, and every vocabulary axis after
the layer, log-softmax, the copy gate's scatter and beam search's top-k, has the
shortlist's length. Done after quantization, an int8 shortlist scores each token
as the int8 graph does. The graph sees places in the shortlist where it saw
token ids: the source ids it copies are given as places, and its candidates'
tokens come back as places. A special token's place is its id
(``Shortlist.kept``), so the graph's end-of-sentence checks hold unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from s2s_hub.serving.shortlist import Shortlist

if TYPE_CHECKING:
    import onnx

#: the parameters of the output layer, as the exporter names its tensors
OUTPUT_LAYER = "model.output_layer."


@dataclass(frozen=True)
class Shortlisted:
    """A model's shortlist and the output layer's tensors it takes slices of.

    Attributes:
        shortlist: the target tokens a batch may produce.
        layer: each tensor of the output layer by input name, with its
            vocabulary axis.
    """

    shortlist: Shortlist
    layer: dict[str, tuple[np.ndarray, int]]

    def inputs(self, tokens: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The shortlist of a batch's ``tokens`` and the output layer's inputs."""
        ids = self.shortlist.ids(tokens)
        return ids, {
            name: array.take(ids, axis) for name, (array, axis) in self.layer.items()
        }


def open_output_layer(
    model: onnx.ModelProto, vocab_size: int
) -> dict[str, tuple[np.ndarray, int]]:
    """Make the output layer's tensors of the step graph ``model`` its inputs,
    in place, with a ``vocabulary`` axis for the ``vocab_size`` one; the tensors
    and their vocabulary axes, by name.

    Raises:
        ValueError: the graph has no output layer of that size.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    layer = {}
    for tensor in list(graph.initializer):
        dims = list(tensor.dims)
        if tensor.name.startswith(OUTPUT_LAYER) and vocab_size in dims:
            axis = dims.index(vocab_size)
            layer[tensor.name] = numpy_helper.to_array(tensor), axis
            dims[axis] = "vocabulary"
            graph.initializer.remove(tensor)
            graph.input.append(
                helper.make_tensor_value_info(tensor.name, tensor.data_type, dims)
            )
    if not layer:
        raise ValueError(
            f"the step graph has no {OUTPUT_LAYER}* tensor of {vocab_size} rows, "
            "which a shortlist takes rows of"
        )
    for output in graph.output:
        for axis in output.type.tensor_type.shape.dim:
            if axis.dim_value == vocab_size:
                axis.dim_param = "vocabulary"
    return layer
