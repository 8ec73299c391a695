"""The one folder layout of an exported model, on disk and in a Hub repo.

``model.safetensors`` and ``config.json`` are written by the model's Hub mixin
(``save_pretrained``); this module adds what the mixin does not know about: the
SentencePiece model, the task and its decoding defaults (extra keys of the same
``config.json``), the model card and the measured scores. Reading checks every file
and names the one at fault, because a half-matching folder would otherwise load
into a model that decodes garbage.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

from s2s_hub.evaluation.run import Evaluation
from s2s_hub.files import (
    CARD_FILE,
    CONFIG_FILE,
    CURVE_FILE,
    EVAL_FILE,
    REQUIRED_FILES,
    TOKENIZER_FILE,
    HubConfig,
)
from s2s_hub.hub.card import build_card, public_options
from s2s_hub.hub.export_options import ExportOptions
from s2s_hub.learning_curve import (
    RunStart,
    curve_table,
    plot_curve,
    read_curve,
    write_curve_data,
)
from s2s_hub.model import Seq2Seq
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task, get_task
from s2s_hub.serving import ServingConfig, auto
from s2s_hub.serving.config import AUTO
from s2s_hub.serving.graphs import export_onnx
from s2s_hub.serving.served import served_model
from s2s_hub.tokenizer import Tokenizer

log = logging.getLogger(__name__)


def hub_config(predictor: Predictor) -> HubConfig:
    """What ``config.json`` says of ``predictor``."""
    task = predictor.task
    return HubConfig(
        predictor.model.config, task.name, public_options(task), predictor.decoding
    )


def build_task(config: HubConfig, origin: Path) -> Task:
    """The task ``config`` names, with its options; errors name ``origin``."""
    try:
        return get_task(config.task, **config.task_options)
    except (KeyError, ValueError) as error:
        message = error.args[0] if error.args else error
        raise ValueError(f"{origin}: {message}") from error


def export(
    predictor: Predictor,
    folder: str | Path,
    evaluation: Evaluation | None = None,
    train_info: dict[str, Any] | None = None,
    options: ExportOptions | None = None,
    position: RunStart | None = None,
) -> Path:
    """Write ``predictor`` to ``folder`` in the layout; returns the folder.

    Args:
        evaluation: scores to publish in the card and ``eval_results.json``.
        train_info: training recipe and progress, shown in the card.
        options: the repo named in the card (default: the folder's name, as
            ``save_pretrained`` does), float16 weights (half the size; they load
            as float32) and the ONNX graphs of ``load(folder,
            runtime="onnxruntime")``; the scores they name are the caller's to
            merge into ``evaluation``.
        position: where the weights stand in their training run
            (``checkpoint_position``): the run's learning curve goes into the
            folder, for the card and for a later run started from the folder.
    """
    options = options or ExportOptions()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    curve = None
    if position is not None:
        metric = predictor.task.selection_metric
        try:
            points = read_curve(Path(position.run), metric)
        except ValueError as error:  # a run of an older version: no minutes logged
            log.warning("no learning curve in the card: %s", error)
        else:
            plot_curve(points, metric, predictor.task.name, folder / CURVE_FILE)
            write_curve_data(folder, points, metric, position)
            curve = curve_table(points, metric)
    predictor.tokenizer.save(folder / TOKENIZER_FILE)
    if evaluation is not None:
        text = json.dumps(evaluation.to_dict(), indent=2)
        (folder / EVAL_FILE).write_text(text + "\n", encoding="utf-8")
    repo_id = options.repo_id or folder.resolve().name
    card = build_card(predictor, repo_id, evaluation, train_info, curve)
    card.save(folder / CARD_FILE)
    # Last, so the mixin finds our card and keeps it; it writes the weights and
    # config.json from the dict we give it.
    half = options.half
    model = copy.deepcopy(predictor.model).half() if half else predictor.model
    model.save_pretrained(folder, config=hub_config(predictor).to_dict())
    if options.onnx:
        export_onnx(predictor.model, folder)
    return folder


def read(folder: str | Path, serving: ServingConfig | None = None) -> Predictor:
    """Load a folder in the layout, checking that its files agree, for the
    precision and runtime of ``serving`` (default: fp32 torch; precision auto is
    resolved here, where the card's scores are at hand: ``serving.auto``)."""
    folder = Path(folder)
    serving = serving or ServingConfig()
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            raise FileNotFoundError(
                f"{folder / name} is missing: an s2s-hub model folder needs "
                f"{', '.join(REQUIRED_FILES)}"
            )
    config = HubConfig.read(folder / CONFIG_FILE)
    tokenizer = Tokenizer.load(folder / TOKENIZER_FILE)
    sizes = {config.model.src_vocab_size, config.model.tgt_vocab_size}
    if sizes != {tokenizer.vocab_size}:
        raise ValueError(
            f"{folder / TOKENIZER_FILE} has {tokenizer.vocab_size} pieces but "
            f"{CONFIG_FILE} expects vocabularies of {sorted(sizes)}: the files come "
            "from different models"
        )
    task = build_task(config, folder / CONFIG_FILE)

    def fp32() -> Seq2Seq:
        return Seq2Seq.from_pretrained(folder, config=config.model)

    if serving.precision == AUTO:
        serving = auto.resolve(folder, config.model, task, fp32)
    model = served_model(folder, config.model, serving, fp32)
    # the stored decoding defaults, not the task class's: the model decodes as
    # its card says
    return Predictor(model, tokenizer, task, config.decoding, serving)
