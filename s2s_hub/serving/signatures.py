"""The two graphs' inputs and outputs, by name: what ``graphs`` exports and
``onnx_model`` feeds and reads back. A state's tensors are passed one by one: an
RNN's ``DecoderState`` here, a Transformer's ``TransformerState`` in
``transformer_graphs``."""

from __future__ import annotations

import torch
from torch import Tensor

from s2s_hub.model import DecoderState, Seq2SeqConfig
from s2s_hub.model.transformer_state import TransformerState
from s2s_hub.serving import transformer_graphs

HIDDEN_NAMES = ("h", "c")  # DecoderState.hidden: (h,) for GRU, (h, c) for LSTM
#: the step graph's last inputs and outputs (``beam_choice.add_candidates``): the
#: beams' scores, how many tokens each row ranks and how many extensions each
#: sentence keeps; the fields of ``search.candidates.Candidates``' ``best`` and
#: ``growing``
CANDIDATE_INPUTS = ("beam_scores", "best", "kept")
CANDIDATE_OUTPUTS = ("candidate_scores", "candidate_rows", "candidate_tokens")
GROWING_OUTPUTS = ("growing_scores", "growing_rows", "growing_tokens")


def hidden_names(config: Seq2SeqConfig) -> tuple[str, ...]:
    return HIDDEN_NAMES[: 2 if config.cell == "lstm" else 1]


def encoder_inputs(src: Tensor, src_lengths: Tensor) -> dict[str, Tensor]:
    """``EncoderGraph``'s inputs, by name, in order."""
    return {"src": src, "src_lengths": src_lengths}


def encoder_outputs(config: Seq2SeqConfig) -> tuple[str, ...]:
    """``EncoderGraph``'s outputs, in order."""
    if config.arch == "transformer":
        return transformer_graphs.encoder_outputs(config)
    return ("memory", "keys", "mask", "feed", *hidden_names(config))


def encoded_tensors(state: DecoderState | TransformerState) -> tuple[Tensor, ...]:
    """The tensors of ``Seq2Seq.encode``'s state that ``EncoderGraph`` returns, in
    ``encoder_outputs``' order."""
    if isinstance(state, TransformerState):
        return transformer_graphs.encoded_tensors(state)
    return (state.memory, state.keys, state.mask, state.feed, *state.hidden)


def step_inputs(
    prev_tokens: Tensor, state: DecoderState | TransformerState
) -> dict[str, Tensor]:
    """``StepGraph``'s inputs for one step from ``state``, by name, in order."""
    if isinstance(state, TransformerState):
        return transformer_graphs.step_inputs(prev_tokens, state)
    return {
        "prev_tokens": prev_tokens,
        "step": torch.as_tensor(state.step),
        "memory": state.memory,
        "keys": state.keys,
        "mask": state.mask,
        "source": state.source,
        "feed": state.feed,
        **dict(zip(HIDDEN_NAMES, state.hidden, strict=False)),
    }


def step_outputs(config: Seq2SeqConfig) -> tuple[str, ...]:
    """``StepGraph``'s outputs, in order; an ONNX value has one name, so the new
    state's tensors are ``next_*``."""
    if config.arch == "transformer":
        return transformer_graphs.step_outputs(config)
    changed = ("feed", *hidden_names(config))
    return ("log_probs", "attention", *(f"next_{name}" for name in changed))
