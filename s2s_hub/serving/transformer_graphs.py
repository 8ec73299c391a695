"""A Transformer's two ONNX graphs: the encoder, and one decoder step with its
key/value cache.

The RNN's graphs (``graphs.py``) pass ``DecoderState``'s tensors; these pass
``TransformerState``'s, a tensor per layer under numbered names: the encoder
returns the source's keys and values of every decoder layer, and the step takes
the target's cache so far and returns it one position longer (``next_*``), so
the cache grows in ONNX Runtime as it does in torch, and beam search reorders
the arrays it returns (``GraphState``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.model.transformer_state import TransformerState

SELF_CACHE = ("self_keys", "self_values")  # rows x heads x steps x head_size
CROSS_CACHE = ("cross_keys", "cross_values")  # sentences x heads x src_len x hs


def _names(config: Seq2SeqConfig, kinds: tuple[str, ...]) -> tuple[str, ...]:
    layers = range(config.decoder_layers)
    return tuple(f"{kind}_{i}" for kind in kinds for i in layers)


def encoder_outputs(config: Seq2SeqConfig) -> tuple[str, ...]:
    """``EncoderGraph``'s outputs, in order."""
    return ("mask", *_names(config, CROSS_CACHE))


def encoded_tensors(state: TransformerState) -> tuple[Tensor, ...]:
    """The encoder graph's outputs from ``Seq2Seq.encode``'s state."""
    return (state.mask, *state.cross_keys, *state.cross_values)


def step_inputs(prev_tokens: Tensor, state: TransformerState) -> dict[str, Tensor]:
    """``StepGraph``'s inputs for one step from ``state``, by name, in order."""
    caches = (state.self_keys, state.self_values, state.cross_keys, state.cross_values)
    layers = len(state.self_keys)
    return {
        "prev_tokens": prev_tokens,
        "step": torch.as_tensor(state.step),
        "mask": state.mask,
        "source": state.source,
        **{
            f"{kind}_{i}": cache[i]
            for kind, cache in zip(SELF_CACHE + CROSS_CACHE, caches, strict=True)
            for i in range(layers)
        },
    }


def step_outputs(config: Seq2SeqConfig) -> tuple[str, ...]:
    """``StepGraph``'s outputs, in order."""
    grown = _names(config, SELF_CACHE)
    return ("log_probs", "attention", *(f"next_{name}" for name in grown))


def dynamic_axes(name: str) -> dict[int, str] | None:
    """The varying axes of a cache tensor called ``name`` (``next_`` removed),
    None for names that are not a cache's."""
    if name.startswith(SELF_CACHE):
        return {0: "rows", 2: "steps"}
    if name.startswith(CROSS_CACHE):
        return {0: "sentences", 2: "src_len"}
    return None


def empty_caches(inputs, sentences: int) -> dict[str, np.ndarray]:
    """The target's key/value caches before the first step, of ``sentences``
    rows, for the step graph's ``inputs`` (ONNX Runtime's ``NodeArg``s): no
    step yet."""
    return {
        node.name: np.zeros(
            [{"rows": sentences, "steps": 0}.get(size, size) for size in node.shape],
            dtype=np.float32,
        )
        for node in inputs
        if node.name.startswith(SELF_CACHE)
    }


class StepGraph(nn.Module):
    """``Seq2Seq.step`` between flattened states (``step_inputs``,
    ``step_outputs``); the step index, which places the position encoding, is a
    tensor input."""

    def __init__(self, model: Seq2Seq) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        prev_tokens: Tensor,
        step: Tensor,
        mask: Tensor,
        source: Tensor,
        *caches: Tensor,
    ) -> tuple[Tensor, ...]:
        layers = len(caches) // 4
        parts = [tuple(caches[i : i + layers]) for i in range(0, len(caches), layers)]
        state = TransformerState(*parts, mask, source, step)
        log_probs, attention, state = self.model.step(prev_tokens, state)
        return (log_probs, attention, *state.self_keys, *state.self_values)
