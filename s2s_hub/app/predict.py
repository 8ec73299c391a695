"""The text-to-text action: one input, an n-best list and the best one's attention."""

from __future__ import annotations

import functools

import pandas as pd
from gradio.components.plot import PlotData

from s2s_hub.app.plots import attention_figure
from s2s_hub.app.rendering import rendered
from s2s_hub.app.validation import clean_text, decode_config
from s2s_hub.predictor import Prediction, Predictor
from s2s_hub.registry import Task
from s2s_hub.search.config import DecodeConfig

NBEST_COLUMNS = ["rank", "output", "probability", "log_prob", "score"]


def predict(
    predictor: Predictor,
    task: Task,
    text: object,
    method: object,
    beam_size: object,
    length_penalty: object,
    temperature: object,
    top_k: object,
    top_p: object,
    max_length: object,
) -> tuple[str, pd.DataFrame, PlotData]:
    """Decode ``text`` with the settings of the tab's controls, as the request
    sent them (checked here: ``validation``).

    Returns:
        The best output, the n-best table (``NBEST_COLUMNS``, best first) and the
        best output's attention heat map.

    Raises:
        gr.Error: for bad text or decoding settings (see ``validation``).
    """
    source = clean_text(text, task)
    config = decode_config(
        method,
        beam_size,
        length_penalty,
        temperature,
        top_k,
        top_p,
        max_length,
        base=predictor.decoding,
    )
    nbest, heat_map = decode_with_heat_map(predictor, source, config)
    return nbest[0].text, nbest_table(nbest), heat_map


def decode_with_heat_map(
    predictor: Predictor, source: str, config: DecodeConfig
) -> tuple[list[Prediction], PlotData]:
    """The n-best list of one cleaned text, and the heat map of its best output
    as ``gr.Plot`` shows it (drawn on the rendering thread)."""
    nbest = predictor.predict([source], config)[0]
    best = nbest[0]
    draw = functools.partial(
        attention_figure, best.attention, best.source_pieces, best.target_pieces
    )
    return nbest, rendered(draw)


def nbest_table(nbest: list[Prediction]) -> pd.DataFrame:
    """One row per hypothesis: its text, the model's probability of it and scores."""
    rows = [
        [
            rank,
            prediction.text,
            format_probability(prediction.probability),
            round(prediction.log_prob, 3),
            round(prediction.score, 3),
        ]
        for rank, prediction in enumerate(nbest, start=1)
    ]
    return pd.DataFrame(rows, columns=NBEST_COLUMNS)


def format_probability(probability: float) -> str:
    """A percentage while it reads well, scientific notation below 0.1 %."""
    return f"{probability:.1%}" if probability >= 1e-3 else f"{probability:.1e}"
