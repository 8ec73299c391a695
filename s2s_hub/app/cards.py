"""What a tab says about its model: the card's headline score and where it came from."""

from __future__ import annotations

import logging
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, try_to_load_from_cache

log = logging.getLogger(__name__)
CARD_FILE = "README.md"
HUB_URL = "https://huggingface.co"


def is_local(source: str) -> bool:
    """Whether ``source`` is a path on this machine rather than a Hub repo id."""
    return Path(source).exists()


def card_path(source: str) -> Path | None:
    """The model card of an exported folder, or of a repo the loader downloaded.

    Only the Hub cache is read, never the network: the loader has fetched the repo
    already, and a start-up must not wait on a second download.
    """
    if is_local(source):
        path = Path(source) / CARD_FILE
        return path if path.is_file() else None
    cached = try_to_load_from_cache(source, CARD_FILE)
    return Path(cached) if isinstance(cached, str) else None


def headline_result(source: str) -> EvalResult | None:
    """The first evaluation result of the model card's model-index, if any."""
    path = card_path(source)
    if path is None:
        return None
    try:
        results = ModelCard.load(path).data.eval_results
    except Exception as error:  # a broken card costs the score, not the tab
        log.warning("cannot read the model card %s: %s", path, error)
        return None
    return results[0] if results else None


def describe_result(result: EvalResult) -> str:
    """E.g. ``**BLEU 21.3** on DDTP en-de (test)``."""
    name = result.metric_name or result.metric_type
    value = result.metric_value
    shown = f"{value:.1f}" if isinstance(value, float) else str(value)
    split = f" ({result.dataset_split})" if result.dataset_split else ""
    return f"**{name} {shown}** on {result.dataset_name}{split}"


def source_link(source: str) -> str:
    """Markdown pointing at the model: a Hub link for a repo id, else the path."""
    if is_local(source):
        return f"`{Path(source).resolve()}`"
    return f"[{source}]({HUB_URL}/{source})"


def card_markdown(source: str | None) -> str:
    """One line for the top of a tab: headline score and model source."""
    if source is None:
        return "No model is configured for this task."
    result = headline_result(source)
    score = describe_result(result) if result else "no measured score in a model card"
    return f"Model: {source_link(source)} · {score}"
