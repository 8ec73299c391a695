"""``precision="auto"``: the fastest way to serve a model on this CPU that keeps
its score within ``TOLERANCE`` of fp32's, chosen by measuring at load.

No table of CPU flags predicts the fastest path: one decoder step of the bundled
translator at beam 5 took 2.22 ms in fp32, 2.42 ms in bf16 and 1.24-1.45 ms in
int8 (by quantized engine) on an Intel Xeon with AMX, where int8 was 4x fp32 on
an AMD EPYC (issue 34). So each allowed path decodes the same fixed work, the
fastest wins, and the choice is cached per machine, thread count and model.

Where a reduced precision is allowed comes from the model's card: its
``eval_results.json`` records the score of each precision it was evaluated in
(``Evaluation.precisions``), and a precision is allowed when its score on the
task's selection metric is within ``TOLERANCE`` of fp32's. fp32 always is; a
shortlist (``serving.shortlist``) is allowed as a precision is, by its own score.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from s2s_hub.files import EVAL_FILE, SHORTLIST_FILE
from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.registry import Task
from s2s_hub.search import DecodeConfig, decode
from s2s_hub.serving.cache import REVISION, cache_root, fingerprint
from s2s_hub.serving.config import ServingConfig
from s2s_hub.serving.cpu import cpu_family, native_bf16
from s2s_hub.serving.graph_cache import onnx_servable
from s2s_hub.serving.served import served_model

log = logging.getLogger(__name__)

#: how far below fp32's score (on the task's selection metric) a path may score
TOLERANCE = 0.3
#: torch's quantized engines auto tries for int8, where the build has them
INT8_ENGINES = ("x86", "fbgemm", "onednn")
#: the fixed work every candidate is timed on: a beam-5 decode of a synthetic
#: source, forced to the same number of steps
SOURCE_TOKENS = 20
STEPS = 20
WORK = DecodeConfig(beam_size=5, min_length=STEPS, max_length=STEPS)
REPEATS = 3


@dataclass(frozen=True)
class Candidate:
    """A way to serve a model: precision, runtime, for int8 in torch the
    quantized engine (``torch.backends.quantized.engine``) and, in ONNX Runtime,
    whether the output layer scores a shortlist."""

    precision: str
    runtime: str = "torch"
    engine: str | None = None
    shortlist: bool = False

    @property
    def name(self) -> str:
        """``fp32``, ``bf16``, ``int8-x86``, ``onnxruntime-int8-shortlist``..."""
        name = self.card_name
        return f"{name}-{self.engine}" if self.engine else name

    @property
    def card_name(self) -> str:
        """The name of its scores on a card (``serving_name``)."""
        return self.serving.name

    @property
    def serving(self) -> ServingConfig:
        return ServingConfig(self.precision, self.runtime, self.shortlist)


#: milliseconds a candidate takes for the fixed work; tests fake it
Measure = Callable[[Candidate], float]


def runnable(folder: Path | None) -> list[Candidate]:
    """The paths this machine can serve ``folder``'s model on: fp32; bf16 on a
    CPU with native bf16 (torch emulates it elsewhere, 3.4x slower than fp32);
    int8 in each quantized engine of ``INT8_ENGINES`` the torch build has; ONNX
    Runtime fp32 and int8 where it is installed (``graph_cache.onnx_servable``:
    a folder without graphs has them exported into the cache), each also with
    the folder's shortlist where it has one."""
    found = [Candidate("fp32")]
    if native_bf16():
        found.append(Candidate("bf16"))
    engines = torch.backends.quantized.supported_engines
    found += [Candidate("int8", engine=e) for e in INT8_ENGINES if e in engines]
    if folder is not None and onnx_servable(folder):
        shortlists = (False, True) if (folder / SHORTLIST_FILE).is_file() else (False,)
        found += [
            Candidate(precision, "onnxruntime", shortlist=shortlist)
            for shortlist in shortlists
            for precision in ("fp32", "int8")
        ]
    return found


def refusal(evaluation: dict | None, task: Task, c: Candidate) -> str:
    """Why the card (``evaluation``, an ``eval_results.json``) does not allow
    ``c``; "" where it does: fp32 always, another precision or a shortlist where
    its score on ``task``'s selection metric is at most ``TOLERANCE`` worse than
    fp32's."""
    if c.precision == "fp32" and not c.shortlist:
        return ""
    name = c.card_name
    metric = task.selection_metric
    recorded = (evaluation or {}).get("precisions", {}).get(name, {})
    score = recorded.get("scores", {}).get(metric)
    base = (evaluation or {}).get("scores", {}).get(metric)
    if score is None or base is None:
        return f"the card records no {name} {metric} beside fp32's"
    sign = 1 if task.selection_mode == "max" else -1
    if round(sign * (score - base), 4) < -TOLERANCE:
        return f"{name} scores {metric} {score}, fp32 {base}: more than {TOLERANCE} off"
    return ""


def candidates(
    folder: Path | None, evaluation: dict | None, task: Task
) -> list[Candidate]:
    """The ``runnable`` paths the card allows (``refusal``); why each other one is
    left out is logged once."""
    found = []
    for candidate in runnable(folder):
        why = refusal(evaluation, task, candidate)
        if why:
            _note(f"{task.name}: {candidate.card_name} not used, as {why}")
        else:
            found.append(candidate)
    return found


def resolve(
    folder: Path,
    config: Seq2SeqConfig,
    task: Task,
    fp32: Callable[[], Seq2Seq],
    measure: Measure | None = None,
) -> ServingConfig:
    """The fastest allowed way to serve the model of ``folder`` here.

    Measured once per machine, thread count and model, then read from the cache
    (``cache_file``). When the choice is int8 in torch, its quantized engine is set
    in ``torch.backends.quantized.engine``, which is process-wide: every model
    quantized or run in int8 afterwards in this process uses it.

    Args:
        folder: the model folder (config, weights, ``eval_results.json``, graphs).
        config: its architecture.
        task: its task, whose selection metric decides what is allowed.
        fp32: reads the fp32 torch model afresh (each candidate converts its
            own).
        measure: milliseconds of the fixed work per candidate; default: decode it
            (``timed``).
    """
    options = candidates(folder, _recorded(folder / EVAL_FILE), task)
    timings: dict[str, float] = {}
    if len(options) == 1:
        choice = options[0]
    else:
        key = cache_key(folder, options)
        timings = _cached(cache_file(key))
        if set(timings) != {c.name for c in options}:
            measure = measure or functools.partial(timed, folder, config, fp32)
            timings = {c.name: round(_measured(measure, c), 3) for c in options}
            best = min(timings, key=timings.__getitem__)
            entry = {"key": key, "choice": best, "milliseconds": timings}
            _write(cache_file(key), entry)
        choice = min(options, key=lambda c: timings[c.name])
    if choice.engine:
        torch.backends.quantized.engine = choice.engine
    shown = ", ".join(f"{name} {ms:.1f} ms" for name, ms in timings.items())
    log.info("precision auto: %s for %s (%s)", choice.name, folder, shown or "no other")
    return choice.serving


def _measured(measure: Measure, c: Candidate) -> float:
    """``measure(c)``, or infinity where ``c`` cannot serve the model (ONNX's
    exporter refuses some combinations of cell, attention and copy gate)."""
    try:
        return measure(c)
    except ValueError as error:
        _note(f"{c.name} not used: {error}")
        return math.inf


def timed(
    folder: Path, config: Seq2SeqConfig, fp32: Callable[[], Seq2Seq], c: Candidate
) -> float:
    """Milliseconds ``c`` takes for the fixed work (``WORK`` on a synthetic source
    of ``SOURCE_TOKENS`` ids) at the current torch thread count: the median of
    ``REPEATS`` runs after one warm-up."""
    if c.engine:
        torch.backends.quantized.engine = c.engine
    model = served_model(folder, config, c.serving, fp32).eval()
    ids = torch.arange(SOURCE_TOKENS) % max(config.src_vocab_size - 4, 1) + 4
    src, lengths = ids.unsqueeze(0), torch.tensor([SOURCE_TOKENS])
    seconds = []
    for _ in range(REPEATS + 1):
        started = time.perf_counter()
        decode(model, src, lengths, WORK)
        seconds.append(time.perf_counter() - started)
    return 1000 * statistics.median(seconds[1:])


def cache_key(folder: Path, options: list[Candidate]) -> dict:
    """What the timings of ``options`` hold for: the CPU family and model name,
    the torch version and thread count, the model (its config and weights), the
    code's ``REVISION`` and the set of candidates (which the card decides)."""
    cpu = cpu_family()
    return {
        "cpu": cpu.key,
        "cpu_model": cpu.model,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "model": fingerprint(folder),
        "revision": REVISION,
        "candidates": sorted(c.name for c in options),
    }


def cache_file(key: dict) -> Path:
    """Where the timings for ``key`` are kept: a JSON file under
    ``$XDG_CACHE_HOME/s2s-hub/`` (default ``~/.cache/s2s-hub/``)."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    return cache_root() / f"auto-precision-{digest[:20]}.json"


def _cached(cache: Path) -> dict[str, float]:
    """The timings stored in ``cache``; empty when there are none or the file is
    damaged (it is then measured and written again)."""
    try:
        return dict(json.loads(cache.read_text(encoding="utf-8"))["milliseconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write(cache: Path, entry: dict) -> None:
    """Store ``entry``; a cache that cannot be written only costs a measurement
    at the next load."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(entry, indent=2)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(cache)
    except OSError as error:
        log.warning("precision auto: cannot cache the timings in %s: %s", cache, error)


def _recorded(path: Path) -> dict | None:
    """The evaluation stored at ``path``, None where there is none to read."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return values if isinstance(values, dict) else None


@functools.cache
def _note(message: str) -> None:
    """Log why a path is left out, once per process and reason."""
    log.info("precision auto: %s", message)
