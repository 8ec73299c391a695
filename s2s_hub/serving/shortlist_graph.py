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

#: the output layer's nodes, as the exporter names them
OUTPUT_NODES = "/output_layer/"


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
        ValueError: the graph has no output layer of that size, or shares its
            weight with another node (embeddings tied in the graph).
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    layer = {}
    for name in _layer_tensors(graph, vocab_size):
        tensor = initializers[name]
        dims = list(tensor.dims)
        axis = dims.index(vocab_size)
        layer[name] = numpy_helper.to_array(tensor), axis
        dims[axis] = "vocabulary"
        graph.initializer.remove(tensor)
        graph.input.append(helper.make_tensor_value_info(name, tensor.data_type, dims))
    for output in graph.output:
        for axis in output.type.tensor_type.shape.dim:
            if axis.dim_value == vocab_size:
                axis.dim_param = "vocabulary"
    return layer


def _layer_tensors(graph, vocab_size: int) -> list[str]:
    """The names of the output layer's tensors with a ``vocab_size`` axis; an
    error where one is read beyond the layer or none is a weight matrix."""
    sizes = {t.name: list(t.dims) for t in graph.initializer if vocab_size in t.dims}
    readers: dict[str, set[str]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, set()).add(node.name)
    # the exporter names a module's nodes by its path
    names = [
        name
        for name in sizes
        if any(reader.startswith(OUTPUT_NODES) for reader in readers.get(name, ()))
    ]
    shared = [
        n for n in names if not all(r.startswith(OUTPUT_NODES) for r in readers[n])
    ]
    if shared or not any(len(sizes[name]) == 2 for name in names):
        raise ValueError(
            "the step graph's output layer has no weight of its own with a row per "
            f"token (shared: {shared}), which a shortlist takes rows of"
        )
    return names
