"""What a tab says about its model: the card's headline score and where it came from."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, try_to_load_from_cache
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from s2s_hub.files import CARD_FILE, EVAL_FILE

log = logging.getLogger(__name__)
HUB_URL = "https://huggingface.co"


def is_repo_id(source: str) -> bool:
    """Whether ``source`` names a Hub repo rather than a path on this machine."""
    if Path(source).exists():
        return False
    try:
        validate_repo_id(source)
    except HFValidationError:
        return False
    return True


def card_path(source: str) -> Path | None:
    """The model card of an exported folder, or of a repo the loader downloaded.

    Only the Hub cache is read, never the network: the loader has fetched the repo
    already, and a start-up must not wait on a second download.
    """
    if is_repo_id(source):
        cached = try_to_load_from_cache(source, CARD_FILE)
        return Path(cached) if isinstance(cached, str) else None
    path = Path(source) / CARD_FILE
    return path if path.is_file() else None


def headline_result(source: str, metric: str) -> EvalResult | None:
    """The card's ``model-index`` result for ``metric`` (the task's selection
    metric), else its first result; None without a card or results."""
    path = card_path(source)
    if path is None:
        return None
    try:
        results = ModelCard.load(path).data.eval_results or []
    except Exception as error:  # a broken card costs the score, not the tab
        log.warning("cannot read the model card %s: %s", path, error)
        return None
    chosen = [result for result in results if result.metric_type == metric]
    return (chosen or results or [None])[0]


def describe_result(result: EvalResult) -> str:
    """E.g. ``**test bleu 21.3**``, naming the split if the metric's name does not."""
    name = result.metric_name or result.metric_type
    value = result.metric_value
    shown = f"{value:.1f}" if isinstance(value, float) else str(value)
    split = result.dataset_split
    return f"**{name} {shown}**" + (
        f" ({split} split)" if split and split not in name else ""
    )


def source_link(source: str) -> str:
    """Markdown naming the model: a Hub link for a repo id, else the folder's name
    (a visitor of a public demo has no business with the server's paths)."""
    if is_repo_id(source):
        return f"[{source}]({HUB_URL}/{source})"
    return f"`{Path(source).resolve().name}`"


def baseline_note(source: str, metric: str) -> str:
    """`` · baseline (copy source): 8.7`` from the model's ``eval_results.json``, or
    nothing when it has none for ``metric``."""
    path = card_path(source)
    evaluation = path.with_name(EVAL_FILE) if path else None
    if evaluation is None or not evaluation.is_file():
        return ""
    try:
        baseline = json.loads(evaluation.read_text("utf-8")).get("baseline") or {}
        value = baseline["scores"][metric]
    except (ValueError, KeyError, TypeError):
        return ""
    return f" · baseline ({baseline['name']}): {value:.1f}"


def card_markdown(source: str | None, metric: str) -> str:
    """One line for the top of a tab: the model's source and headline score."""
    if source is None:
        return "No model is configured for this task."
    result = headline_result(source, metric)
    score = describe_result(result) if result else "no measured score in a model card"
    note = baseline_note(source, metric) if result else ""
    return f"Model: {source_link(source)} · {score}{note}"
