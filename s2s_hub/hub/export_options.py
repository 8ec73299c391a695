"""What an export writes beside the model's files, the same for a run's checkpoint
(``push.export_checkpoint``) and for a model one has (``reexport.export_model``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExportOptions:
    """How to export.

    Attributes:
        repo_id: the repo named in the card (default: the folder's name).
        reuse_scores: an evaluation JSON to publish instead of scoring the test
            split again.
        half: store float16 weights; the scores are then measured with the weights
            rounded to float16, i.e. with exactly what is shipped.
        onnx: also write the ONNX graphs of ``runtime="onnxruntime"`` (which
            ``push`` does not upload).
        precision_scores: evaluation JSONs of the model in other precisions, for
            the card and ``precision="auto"`` (``push.with_precision_scores``).
    """

    repo_id: str | None = None
    reuse_scores: str | Path | None = None
    half: bool = False
    onnx: bool = False
    precision_scores: Sequence[str | Path] = ()
