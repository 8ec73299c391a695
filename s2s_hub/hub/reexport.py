"""Export a model one has (a model folder or a Hub repo) again, with what it
lacks: the ONNX graphs of ``runtime="onnxruntime"`` or float16 weights.

The files are copied as they are. The card and ``eval_results.json`` are written
anew only when what they state changes: weights rounded to float16 are scored
again on the test split (as ``export --half`` of a checkpoint is), unless scores
are given; a new ``repo_id`` is named in the card; scores of other precisions
(``precision_scores``) are added beside the stored ones. A rebuilt card keeps the
training recipe the old one recorded; the learning-curve files are copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from safetensors import safe_open

from s2s_hub.evaluation.run import evaluate
from s2s_hub.files import CARD_FILE, EVAL_FILE, LAYOUT_FILES, WEIGHTS_FILE
from s2s_hub.hub.card import recorded_training
from s2s_hub.hub.export_options import ExportOptions
from s2s_hub.hub.layout import export, read
from s2s_hub.hub.loading import download
from s2s_hub.hub.push import stored_evaluation, with_precision_scores
from s2s_hub.serving.graphs import export_onnx


def model_folder(source: str | Path) -> Path:
    """The local folder of a model folder or (downloaded) Hub repo ``source``."""
    path = Path(source)
    return path if path.is_dir() else download(str(source))


def export_model(
    source: str | Path, folder: str | Path, options: ExportOptions | None = None
) -> Path:
    """Write the model of folder or repo ``source`` to ``folder`` with what
    ``options`` adds; see the module docstring for what changes."""
    options = options or ExportOptions()
    source = model_folder(source)
    folder = Path(folder)
    if folder.resolve() == source.resolve():
        raise ValueError(f"{folder} is the model's own folder: export to another")
    predictor = read(source)
    rounded = options.half and not _is_half(source / WEIGHTS_FILE)
    if rounded:
        predictor.model.half().float()
    folder.mkdir(parents=True, exist_ok=True)
    for name in LAYOUT_FILES:
        if (source / name).is_file():
            shutil.copyfile(source / name, folder / name)
    if rounded or options.reuse_scores or options.repo_id or options.precision_scores:
        if options.reuse_scores:
            evaluation = stored_evaluation(options.reuse_scores, predictor.task)
        elif not rounded and (source / EVAL_FILE).is_file():
            evaluation = stored_evaluation(source / EVAL_FILE, predictor.task)
        else:
            evaluation = evaluate(predictor, "test")
        evaluation = with_precision_scores(
            evaluation, options.precision_scores, predictor.task
        )
        card = source / CARD_FILE
        info = recorded_training(card.read_text("utf-8")) if card.is_file() else None
        return export(predictor, folder, evaluation, info, options)
    if options.onnx:
        export_onnx(predictor.model, folder)
    return folder


def _is_half(weights: Path) -> bool:
    """Whether every floating-point tensor of a safetensors file is float16."""
    with safe_open(weights, "pt") as tensors:
        names = tensors.keys()
        kinds = {tensors.get_slice(name).get_dtype() for name in names}
    return kinds & {"F16", "F32", "F64", "BF16"} == {"F16"}
