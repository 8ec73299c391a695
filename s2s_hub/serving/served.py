"""The model as served: one place applies a model's serving options.

``s2s_hub.load`` reads a model in fp32 from a run's checkpoint, a model folder or a
Hub repo, and hands it here with its ``ServingConfig``: the precision is applied to
the torch model, or the folder's ONNX graphs are loaded in its stead. One setting
governs both runtimes: torch spreads a batch over its threads
(``torch.set_num_threads``), ONNX Runtime decodes as many batches at once, one
on each (``OnnxSeq2Seq.load``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.serving.config import AUTO, ServingConfig
from s2s_hub.serving.graph_cache import graph_folder
from s2s_hub.serving.onnx_model import OnnxSeq2Seq
from s2s_hub.serving.precision import with_precision
from s2s_hub.serving.shortlist import read_shortlist


def served_model(
    source: Path,
    config: Seq2SeqConfig,
    serving: ServingConfig,
    fp32: Callable[[], Seq2Seq],
) -> Seq2Seq | OnnxSeq2Seq:
    """The model that answers for ``serving``.

    Args:
        source: the model folder (whose ONNX graphs the onnxruntime runtime loads,
            or exports into the cache where it has none: ``graph_cache``) or the
            run's checkpoint file the model comes from.
        config: the model's architecture, which the graphs' inputs follow.
        serving: the precision, runtime and shortlist asked for.
        fp32: reads the fp32 torch model; for ONNX Runtime only to export graphs
            a folder lacks, so a model it serves holds no torch weights.

    Raises:
        ValueError: the onnxruntime runtime asked of a checkpoint, which holds no
            graphs; precision auto, which the loader resolves first
            (``serving.auto.resolve``).
    """
    if serving.precision == AUTO:
        raise ValueError("precision auto is resolved before serving: auto.resolve")
    if serving.runtime == "onnxruntime":
        if not source.is_dir():
            raise ValueError(
                f"runtime onnxruntime reads the ONNX graphs of a model folder, and "
                f"{source} is a checkpoint: write them with `s2s-hub export {source} "
                "FOLDER --onnx` and load FOLDER"
            )
        graphs = graph_folder(source, fp32)
        shortlist = read_shortlist(source) if serving.shortlist else None
        return OnnxSeq2Seq.load(graphs, config, serving.precision, shortlist)
    return with_precision(fp32(), serving.precision)
