"""``push``: publish the best Lightning checkpoint of a run as a Hub model repo.

The checkpoint is exported to a temporary folder in the layout, scored on its
task's test split (or given stored scores), described by a card and uploaded in one
commit. The ``.ckpt`` itself never leaves the machine: it is a pickle, and a repo
must load without running code.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx2
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import (
    build_hf_headers,
    get_session,
    get_token,
    hf_raise_for_status,
)

from s2s_hub.evaluation.run import Evaluation, evaluate
from s2s_hub.files import LAYOUT_FILES, read_checkpoint, training_info
from s2s_hub.hub.export_options import ExportOptions
from s2s_hub.hub.layout import export
from s2s_hub.learning_curve import checkpoint_position
from s2s_hub.predictor import Predictor
from s2s_hub.registry import Task

NOTHING_CHANGED = "nothing was changed on the Hub"


def stored_evaluation(path: str | Path, task: Task) -> Evaluation:
    """Scores written by ``s2s-hub evaluate --output`` or an exported
    ``eval_results.json``, checked to be about ``task``."""
    path = Path(path)
    try:
        evaluation = Evaluation(**json.loads(path.read_text(encoding="utf-8")))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{path} is not an s2s-hub evaluation JSON: {error}"
        ) from error
    if evaluation.task != task.name:
        raise ValueError(
            f"{path} holds scores of task {evaluation.task!r}, not {task.name!r}"
        )
    return evaluation


def with_precision_scores(
    evaluation: Evaluation, paths: Sequence[str | Path], task: Task
) -> Evaluation:
    """``evaluation`` with the scores of each evaluation JSON in ``paths`` (the
    same model evaluated in another precision) under ``precisions``.

    Raises:
        ValueError: a file is no evaluation of ``task``, or one of another split
            or decoding; the message names it.
    """
    for path in paths:
        try:
            evaluation = evaluation.with_precision(stored_evaluation(path, task))
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error
    return evaluation


def export_checkpoint(
    checkpoint: str | Path,
    folder: str | Path,
    options: ExportOptions | None = None,
) -> Path:
    """Write ``checkpoint`` to ``folder`` exactly as ``push`` would upload it, with
    what ``options`` adds."""
    options = options or ExportOptions()
    state = read_checkpoint(Path(checkpoint))
    predictor = Predictor.from_state(state, Path(checkpoint))
    if options.half:
        predictor.model.half().float()
    evaluation = (
        stored_evaluation(options.reuse_scores, predictor.task)
        if options.reuse_scores
        else evaluate(predictor, "test")
    )
    evaluation = with_precision_scores(
        evaluation, options.precision_scores, predictor.task
    )
    info = training_info(state)
    run_dir = run_of(checkpoint)
    position = checkpoint_position(run_dir, state) if run_dir else None
    return export(predictor, folder, evaluation, info, options, position)


def run_of(checkpoint: str | Path) -> Path | None:
    """The run folder of ``RUN/checkpoints/x.ckpt`` when it holds validation logs."""
    run_dir = Path(checkpoint).resolve().parent.parent
    logs = run_dir.glob("logs/version_*/metrics.csv")
    return run_dir if any(logs) else None


def push(
    checkpoint: str | Path,
    repo_id: str,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    reuse_scores: str | Path | None = None,
    half: bool = False,
) -> str:
    """Export, score and upload ``checkpoint`` to the model repo ``repo_id``.

    Args:
        private: create the repo as private (an existing repo keeps its setting).
        revision: branch to commit to, created from main if missing.
        token: Hub token; default: the logged-in one or ``HF_TOKEN``.
        reuse_scores: an evaluation JSON to publish instead of a fresh test run.
        half: upload float16 weights (see ``export_checkpoint``).

    Returns:
        The URL of the commit.

    Raises:
        ConnectionError: offline mode is on or the Hub cannot be reached; checked
            before the (possibly long) evaluation where possible.
    """
    api = hub_api(repo_id, token, f"push {repo_id}")
    with tempfile.TemporaryDirectory() as tmp:
        options = ExportOptions(repo_id, reuse_scores, half)
        folder = export_checkpoint(checkpoint, tmp, options)
        return upload(folder, repo_id, private, revision, token, api)


def upload(
    folder: Path,
    repo_id: str,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    api: HfApi | None = None,
) -> str:
    """One commit of the layout's files of ``folder``; returns the commit URL."""
    api = api or HfApi(token=token)
    what = f"push {repo_id}"
    with reaching_hub(what):
        repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
    with reaching_hub(what, f"the repo {repo_id} exists, nothing was committed"):
        if revision:
            api.create_branch(repo_id, branch=revision, exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            revision=revision,
            allow_patterns=list(LAYOUT_FILES),
            commit_message="Upload s2s-hub model",
        )
    return str(commit)


def hub_api(repo_id: str, token: str | None, what: str) -> HfApi:
    """A Hub client that has reached the Hub with a token, before any work: a push
    that cannot happen fails in seconds with nothing changed, not after an
    evaluation."""
    if constants.is_offline_mode():
        raise ConnectionError(offline_message(repo_id))
    api = HfApi(token=token)
    token = token or get_token()
    if token is None:
        raise ValueError(
            f"cannot {what}: no Hub token; log in with `hf auth login` or set "
            f"HF_TOKEN ({NOTHING_CHANGED})"
        )
    with reaching_hub(what):
        whoami(api.endpoint, token)
    return api


def whoami(endpoint: str, token: str) -> dict:
    """Who ``token`` is on the Hub at ``endpoint``: ``HfApi.whoami`` with the
    timeout of the Hub client's metadata requests (``HF_HUB_ETAG_TIMEOUT``), as
    ``HfApi`` waits for ever on a server that accepts and never answers."""
    answer = get_session().get(
        f"{endpoint}/api/whoami-v2",
        headers=build_hf_headers(token=token),
        timeout=constants.HF_HUB_ETAG_TIMEOUT,
    )
    hf_raise_for_status(answer)
    return answer.json()


@contextmanager
def reaching_hub(what: str, changed: str = "") -> Iterator[None]:
    """Turns the Hub being out of reach (offline mode, no DNS, refused, timed out)
    or refusing (a bad token, a taken name) into one ``ConnectionError`` that
    says what was changed on it."""
    changed = changed or NOTHING_CHANGED
    try:
        yield
    except OfflineModeIsEnabled as error:
        raise ConnectionError(f"cannot {what}: HF_HUB_OFFLINE=1 is set") from error
    except httpx2.TransportError as error:
        raise ConnectionError(
            f"cannot reach the Hugging Face Hub ({constants.ENDPOINT}) to {what}: "
            f"{type(error).__name__}: {error}; {changed}"
        ) from error
    except HfHubHTTPError as error:  # reached, and refused: a token, a name
        reason = str(error).splitlines()[0]
        raise ConnectionError(
            f"the Hugging Face Hub ({constants.ENDPOINT}) refused to {what}: "
            f"{reason}; {changed}"
        ) from error


def offline_message(repo_id: str) -> str:
    """Why a push cannot happen in offline mode, and what to do about it."""
    return (
        f"cannot push {repo_id}: HF_HUB_OFFLINE=1 is set; unset it (and log in with "
        "`hf auth login` or set HF_TOKEN) to push"
    )
