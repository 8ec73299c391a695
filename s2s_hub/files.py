"""What a training run leaves behind and what a model folder holds: every file name,
the keys of a run's checkpoint and the one parser of ``config.json``.

Training writes these; prediction, export, push, the app and the benchmarks read
them. They meet here so that a renamed key or file cannot leave a reader behind.
"""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
from huggingface_hub import constants
from torch import Tensor

from s2s_hub.model.config import Seq2SeqConfig
from s2s_hub.search.config import DecodeConfig
from s2s_hub.version import __version__

# a model folder, on disk and as a Hub repo
WEIGHTS_FILE = constants.SAFETENSORS_SINGLE_FILE
CONFIG_FILE = constants.CONFIG_NAME
TOKENIZER_FILE = "tokenizer.model"  # also in a run folder, where --resume finds it
START_FILE = "started_from.json"  # a run folder's: the run its init_from continues
# a model folder's: the curve its weights were trained on, which a run started from
# the folder continues after the run folders are gone
CURVE_DATA_FILE = "learning_curve.json"
CARD_FILE = "README.md"
EVAL_FILE = "eval_results.json"
CURVE_FILE = "learning_curve.png"
# the target tokens each source token may bring (``s2s-hub shortlist``)
SHORTLIST_FILE = "shortlist.safetensors"
REQUIRED_FILES = (WEIGHTS_FILE, CONFIG_FILE, TOKENIZER_FILE)
LAYOUT_FILES = (
    *REQUIRED_FILES,
    CARD_FILE,
    EVAL_FILE,
    CURVE_FILE,
    CURVE_DATA_FILE,
    SHORTLIST_FILE,
)
# what ``export --onnx`` adds for ONNX Runtime (s2s_hub.serving.graphs)
ENCODER_ONNX_FILE = "encoder.onnx"
DECODER_STEP_ONNX_FILE = "decoder_step.onnx"
ONNX_FILES = (ENCODER_ONNX_FILE, DECODER_STEP_ONNX_FILE)

# a run's Lightning checkpoint (``Seq2SeqSystem``)
TOKENIZER_KEY = "tokenizer_model"  # the serialized SentencePiece proto
HPARAMS_KEY = "hyper_parameters"  # Seq2SeqSystem's init arguments
STATE_KEY = "state_dict"
AVERAGED_KEY = "averaged_steps"  # an average's inputs (``training.averaging``)
CLOCK_KEY = "TrainingClock"  # ``training.clock``'s state: its training minutes
MODEL_PREFIX = "model."  # the system holds the Seq2Seq as ``self.model``
#: hyper-parameters that describe the model and task rather than the recipe
ARCHITECTURE_HPARAMS = ("model", "task", "task_options")


def read_checkpoint(path: Path) -> dict[str, Any]:
    """The dict a Lightning ``.ckpt`` of ``s2s-hub train`` holds, read without
    running code from the file.

    ``torch.load(weights_only=True)`` unpickles tensors and plain containers only:
    a checkpoint from an untrusted source cannot run code, and one holding other
    Python objects is refused, not loaded with a weaker unpickler.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: the file is damaged, holds pickled objects, or is a checkpoint
            of something else; the one-line message names the file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file {path}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # on garbage, the unpickler fails in many ways
        raise ValueError(_unreadable(path, error)) from error
    keys = (TOKENIZER_KEY, HPARAMS_KEY, STATE_KEY)
    if not isinstance(checkpoint, dict) or any(k not in checkpoint for k in keys):
        raise ValueError(
            f"{path} is not an s2s-hub checkpoint: it lacks the tokenizer, "
            "hyper-parameters or weights that `s2s-hub train` writes"
        )
    return checkpoint


def _unreadable(path: Path, error: Exception) -> str:
    """One line on why ``torch.load(weights_only=True)`` refused ``path``."""
    if isinstance(error, pickle.UnpicklingError) and "Weights only" in str(error):
        found = re.search(r"GLOBAL ([\w.]+)", str(error))
        what = found.group(1) if found else "Python objects"
        return (
            f"{path} holds pickled {what}: s2s-hub loads only tensors and plain "
            "values from a checkpoint, so that no file can run code"
        )
    reason = str(error).split(". ")[0]
    return (
        f"{path} is not a readable checkpoint: damaged, cut short or not written "
        f"by torch.save ({type(error).__name__}: {reason})"
    )


def checkpoint_minutes(checkpoint: dict[str, Any]) -> float:
    """The training minutes a checkpoint was written at (0 if it holds no clock)."""
    return checkpoint.get("callbacks", {}).get(CLOCK_KEY, {}).get("minutes", 0.0)


def checkpoint_weights(checkpoint: dict[str, Any]) -> dict[str, Tensor]:
    """The ``Seq2Seq`` state dict inside a run's checkpoint."""
    return {
        key.removeprefix(MODEL_PREFIX): value
        for key, value in checkpoint[STATE_KEY].items()
    }


def training_info(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """Recipe (hyper-parameters) and progress of the run that wrote ``checkpoint``."""
    hparams = checkpoint[HPARAMS_KEY]
    recipe = {k: v for k, v in hparams.items() if k not in ARCHITECTURE_HPARAMS}
    return {
        **recipe,
        "epoch": checkpoint.get("epoch"),
        "global_step": checkpoint.get("global_step"),
        **(
            {AVERAGED_KEY: checkpoint[AVERAGED_KEY]}
            if AVERAGED_KEY in checkpoint
            else {}
        ),
    }


def model_config(values: dict[str, Any]) -> Seq2SeqConfig:
    """The architecture in ``config.json``'s values: every key but ours, each one a
    field (a file with only the architecture, as a bare ``Seq2Seq.save_pretrained``
    writes it, parses too)."""
    return Seq2SeqConfig.from_dict(
        {k: v for k, v in values.items() if k not in EXTRA_KEYS}
    )


@dataclass
class HubConfig:
    """``config.json``: the architecture's fields, flat as the mixin writes them,
    plus what turns a model into a predictor.

    Attributes:
        model: The architecture.
        task: Registered task name.
        task_options: Options of the task (its dataclass fields).
        decoding: Decoding defaults, those the card's scores were measured with.
        s2s_hub_version: Version of s2s-hub that wrote the file.
    """

    model: Seq2SeqConfig
    task: str
    task_options: dict[str, Any]
    decoding: DecodeConfig
    s2s_hub_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.model.to_dict(),
            "task": self.task,
            "task_options": self.task_options,
            "decoding": asdict(self.decoding),
            "s2s_hub_version": self.s2s_hub_version,
        }

    @classmethod
    def read(cls, path: Path) -> HubConfig:
        """Parse ``path``; an unknown, missing or invalid key is an error naming it."""
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(values, dict):
                raise ValueError("not a JSON object")
            missing = sorted(set(EXTRA_KEYS) - set(values))
            if missing:
                raise ValueError(f"missing keys {missing}")
            return cls(
                model=model_config(values),
                task=values["task"],
                task_options=values["task_options"],
                decoding=DecodeConfig(**values["decoding"]),
                s2s_hub_version=values["s2s_hub_version"],
            )
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}: {error}") from error


#: config.json's keys besides the architecture's fields, flat beside them
EXTRA_KEYS = tuple(f.name for f in fields(HubConfig) if f.name != "model")
