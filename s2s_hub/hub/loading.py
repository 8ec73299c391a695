"""``load``: a ready predictor from a checkpoint file, a folder or a Hub repo id.

Nothing loaded here can run code: weights come from safetensors (or a Lightning
``.ckpt`` read with ``torch.load(weights_only=True)``), the tokenizer is a
SentencePiece proto and the config is JSON.
"""

from __future__ import annotations

import logging
from pathlib import Path

from huggingface_hub import constants, snapshot_download
from huggingface_hub.errors import (
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import validate_repo_id

from s2s_hub.files import LAYOUT_FILES, ONNX_FILES
from s2s_hub.hub.layout import read
from s2s_hub.predictor import Predictor
from s2s_hub.serving import ServingConfig
from s2s_hub.serving.config import AUTO
from s2s_hub.serving.served import served_model

log = logging.getLogger(__name__)

CHECKPOINT_SUFFIX = ".ckpt"


def load(
    name_or_path: str | Path,
    revision: str | None = None,
    precision: str = "fp32",
    runtime: str = "torch",
    shortlist: bool = False,
) -> Predictor:
    """Model, tokenizer and task, ready to decode.

    Args:
        name_or_path: a Lightning ``.ckpt`` file, a folder written by ``export``,
            or a Hub repo id such as ``org/name``.
        revision: branch, tag or commit of a Hub repo; a commit hash pins it.
        precision: fp32, bf16, int8 or auto (``s2s_hub.serving.ServingConfig``):
            the fastest here within 0.3 of fp32's score, as the card records it
            (``s2s_hub.serving.auto``; fp32 for a ``.ckpt``, which has no card).
        runtime: torch, or onnxruntime for a folder or repo that holds the ONNX
            graphs of ``s2s-hub export --onnx``.
        shortlist: with onnxruntime, score only each batch's shortlist of target
            tokens (the folder's ``shortlist.safetensors``: ``s2s-hub shortlist``).

    Raises:
        FileNotFoundError: the source does not exist, or is not cached while
            offline; the message says how to fix it.
        ValueError: a file of the model is broken or does not fit the others, or
            the precision or runtime is unknown or does not fit the source.
    """
    serving = ServingConfig(precision, runtime, shortlist)
    path = Path(name_or_path)
    is_local = path.suffix == CHECKPOINT_SUFFIX or path.exists()
    if is_local and revision is not None:
        raise ValueError(
            f"revision={revision!r} applies to Hub repo ids, not to {path}"
        )
    if path.suffix == CHECKPOINT_SUFFIX:
        predictor = Predictor.from_checkpoint(path)
        if serving.precision == AUTO:
            log.info("precision auto: %s has no card to allow int8 by; fp32", path)
            serving = ServingConfig()
        model = predictor.model
        predictor.model = served_model(path, model.config, serving, lambda: model)
        predictor.serving = serving
        return predictor
    if path.is_dir():
        return read(path, serving)
    if path.exists():
        raise ValueError(
            f"{path} is neither a {CHECKPOINT_SUFFIX} file nor a model folder"
        )
    onnx = serving.runtime == "onnxruntime"
    return read(download(str(name_or_path), revision, onnx), serving)


def download(repo_id: str, revision: str | None = None, onnx: bool = False) -> Path:
    """The cached snapshot of ``repo_id`` with the layout's files, fetched if needed.

    Only the layout's files are fetched (and with ``onnx`` the ONNX graphs): a
    repo may hold other large files (or a stray pickle) that loading has no use
    for.
    """
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise FileNotFoundError(
            f"{repo_id} is not a .ckpt file, a model folder or a Hub repo id"
        ) from error
    try:
        folder = snapshot_download(
            repo_id,
            revision=revision,
            allow_patterns=[*LAYOUT_FILES, *(ONNX_FILES if onnx else ())],
        )
    except RevisionNotFoundError as error:
        raise FileNotFoundError(
            f"Hub repo {repo_id} has no revision {revision!r}"
        ) from error
    except RepositoryNotFoundError as error:
        raise FileNotFoundError(
            f"no Hub model repo {repo_id} (if it is private or gated, log in with "
            "`hf auth login` or set HF_TOKEN)"
        ) from error
    except LocalEntryNotFoundError as error:
        raise FileNotFoundError(_not_cached(repo_id, revision)) from error
    return Path(folder)


def _not_cached(repo_id: str, revision: str | None) -> str:
    where = f"{repo_id}@{revision}" if revision else repo_id
    cache = constants.HF_HUB_CACHE
    if constants.is_offline_mode():
        return (
            f"{where} is not in the Hugging Face cache ({cache}) and HF_HUB_OFFLINE=1 "
            "forbids downloading it: run once without HF_HUB_OFFLINE to cache it, "
            "or load a local folder or .ckpt"
        )
    return (
        f"cannot reach the Hugging Face Hub to download {where}, and it is not in the "
        f"cache ({cache}): check the connection, or load a local folder or .ckpt"
    )
