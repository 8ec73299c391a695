"""The model as two ONNX graphs: the encoder, and one decoder step.

Every search calls ``encode`` once and ``step`` once per token, so these two calls
are all ONNX Runtime has to compute; the searches themselves (beams, constraints,
sampling) stay the Python code that drives the torch model. The step graph also
makes beam search's choice of extensions (``add_candidates``), the one part of
beam search's step that pays to leave Python (``RanksCandidates``). The graphs
take and return the state's tensors one by one, under the names ``signatures``
gives (a ``DecoderState``'s; a Transformer's graphs, in ``transformer_graphs.py``,
a ``TransformerState``'s), which ONNX Runtime's search keeps as the arrays of a
``GraphState``.

They are exported with torch's TorchScript-based exporter (``dynamo=False``): it
turns the encoder's packed sequences into the ``sequence_lens`` input of ONNX's
LSTM and GRU operators, which torch.export, the default exporter, cannot trace (a
packed batch's shape depends on the values of the lengths).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import Tensor, nn

from s2s_hub.files import DECODER_STEP_ONNX_FILE, ENCODER_ONNX_FILE
from s2s_hub.model import DecoderState, Seq2Seq, Seq2SeqConfig
from s2s_hub.model.transformer_state import TransformerState
from s2s_hub.search.candidates import Extensions, top_candidates
from s2s_hub.serving import transformer_graphs
from s2s_hub.serving.beam_choice import add_candidates
from s2s_hub.serving.folding import fold
from s2s_hub.serving.graph_state import GraphState
from s2s_hub.serving.signatures import (
    HIDDEN_NAMES,
    encoded_tensors,
    encoder_inputs,
    encoder_outputs,
    step_inputs,
    step_outputs,
)

OPSET = 17
#: rows per sentence in the traced and verified steps: beams share their
#: sentence's encoder outputs, and one row per sentence could hide a shape the
#: tracer froze
BEAMS = 2


class EncoderGraph(nn.Module):
    """``Seq2Seq.encode`` with the state flattened to ``encoder_outputs`` (either
    architecture's: ``encoded_tensors``)."""

    def __init__(self, model: Seq2Seq) -> None:
        super().__init__()
        self.model = model

    def forward(self, src: Tensor, src_lengths: Tensor) -> tuple[Tensor, ...]:
        return encoded_tensors(self.model.encode(src, src_lengths))


class StepGraph(nn.Module):
    """``Seq2Seq.step`` between flattened states (``step_inputs``, ``step_outputs``),
    computed by the model's ``fold``; the step index is a tensor input, so that
    local-m's window moves."""

    def __init__(self, model: Seq2Seq) -> None:
        super().__init__()
        self.model = fold(model)

    def forward(
        self,
        prev_tokens: Tensor,
        step: Tensor,
        memory: Tensor,
        keys: Tensor,
        mask: Tensor,
        source: Tensor,
        feed: Tensor,
        *hidden: Tensor,
    ) -> tuple[Tensor, ...]:
        state = DecoderState(hidden, feed, memory, keys, mask, source, step)
        log_probs, attention, state = self.model.step(prev_tokens, state)
        return (log_probs, attention, state.feed, *state.hidden)


def export_onnx(model: Seq2Seq, folder: str | Path) -> tuple[Path, Path]:
    """Write ``folder/encoder.onnx`` and ``folder/decoder_step.onnx`` of an fp32
    ``model``, and check that ONNX Runtime computes what torch does.

    The check runs a batch of another size and source length than the one traced,
    at a later step, so a shape the tracer froze into a graph cannot pass.

    Raises:
        ValueError: the model's combination of cell, attention and copy gate
            cannot be exported, or its graphs compute something else; the message
            names the combination.
    """
    folder = Path(folder)
    config = model.config
    model = model.eval()
    src, lengths = _example(config, rows=2, length=4)
    encoder, step = folder / ENCODER_ONNX_FILE, folder / DECODER_STEP_ONNX_FILE
    try:
        with warnings.catch_warnings():
            # the exporter's deprecation and tracer notices are not the user's to fix
            warnings.simplefilter("ignore")
            with torch.no_grad():
                state = model.encode(src, lengths).expand(BEAMS)
                if isinstance(state, TransformerState):  # a cache to grow
                    tokens = torch.full((len(src) * BEAMS,), model.bos_id)
                    state = model.step(tokens, state)[2]
            # in eval mode: the exporter restores each wrapper's mode afterwards,
            # and a new module's is training, which would switch dropout on
            graph = EncoderGraph(model).eval()
            inputs = encoder_inputs(src, lengths)
            _export(graph, inputs, encoder_outputs(config), encoder)
            graph = _step_graph(config)(model).eval()
            inputs = _step_arguments(model.bos_id, state)
            _export(graph, inputs, step_outputs(config), step)
            add_candidates(step, config.eos_id)
        _verify(model, folder)
    except Exception as error:
        raise ValueError(
            f"cannot export {_combination(config)} to ONNX: {error}"
        ) from error
    return encoder, step


def _step_graph(config: Seq2SeqConfig) -> type[nn.Module]:
    """The step graph of ``config``'s architecture (the encoder's is one for
    both)."""
    return transformer_graphs.StepGraph if config.arch == "transformer" else StepGraph


def _combination(config: Seq2SeqConfig) -> str:
    if config.arch == "transformer":
        return "a transformer model" + (" with the copy gate" if config.copy else "")
    gate = " and the copy gate" if config.copy else ""
    return f"a {config.cell} model with {config.attention} attention{gate}"


def _example(config: Seq2SeqConfig, rows: int, length: int) -> tuple[Tensor, Tensor]:
    """A padded batch whose last row is shorter than the others."""
    lengths = torch.full((rows,), length)
    lengths[-1] = length - 1
    src = torch.arange(rows * length).view(rows, length) % config.src_vocab_size
    src[-1, -1] = config.pad_id
    return src, lengths


def _step_arguments(
    token: int, state: DecoderState | TransformerState
) -> dict[str, Tensor]:
    """``StepGraph``'s inputs for ``state``, each its own tensor: the tracer would
    merge two inputs that are one object (LSTM's initial h and c are, and so are
    dot attention's keys and memory) into one graph input."""
    tokens = torch.full((state.source.size(0) * state.group,), token)
    return {name: value.clone() for name, value in step_inputs(tokens, state).items()}


def _export(
    graph: nn.Module, inputs: dict[str, Tensor], outputs: tuple[str, ...], path: Path
) -> None:
    """Trace ``graph`` on ``inputs`` into ``path``, with autograd on: the output
    layer is then the plain ``nn.Linear`` of its weight (one initializer, shared
    with tied embeddings, which int8 quantizes), not the transposed copy it
    multiplies by in inference, which the tracer would bake in as a constant."""
    names = (*inputs, *outputs)
    with torch.enable_grad():
        torch.onnx.export(
            graph,
            tuple(inputs.values()),
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=list(inputs),
            output_names=list(outputs),
            dynamic_axes=_dynamic_axes(names),
        )


def _dynamic_axes(names: tuple[str, ...]) -> dict[str, dict[int, str]]:
    """Sentences, rows (a sentence's beams), source length and a Transformer
    cache's steps, wherever they appear."""
    axes: dict[str, dict[int, str]] = {}
    for name in names:
        base = name.removeprefix("next_")
        cache = transformer_graphs.dynamic_axes(base)
        if cache is not None:
            axes[name] = cache
        elif base in ("h", "c"):
            axes[name] = {1: "rows"}  # layers x rows x hidden
        elif base in ("src", "memory", "keys", "mask", "source"):
            axes[name] = {0: "sentences", 1: "src_len"}
        elif base == "attention":
            axes[name] = {0: "rows", 1: "src_len"}
        elif base == "src_lengths":
            axes[name] = {0: "sentences"}
        elif base != "step":
            axes[name] = {0: "rows"}
    return axes


def _verify(model: Seq2Seq, folder: Path) -> None:
    """Compare ONNX Runtime's encode, a third step and its choice of candidates
    with torch's."""
    from s2s_hub.serving.onnx_model import OnnxSeq2Seq

    onnx = OnnxSeq2Seq.load(folder, model.config)
    src, lengths = _example(model.config, rows=3, length=6)
    beams = BEAMS + 1
    tokens = src[:, 0].repeat_interleave(beams)
    scores = -torch.arange(len(src) * beams).float().view(len(src), beams)
    with torch.no_grad():
        expected = model.encode(src, lengths).expand(beams)
        actual = onnx.encode(src, lengths).expand(beams)
        for _ in range(3):
            log_probs, attention, expected = model.step(tokens, expected)
            chosen, _, _ = onnx.step_candidates(tokens, actual, scores, 2 * beams)
            onnx_log_probs, onnx_attention, actual = onnx.step(tokens, actual)
    top = top_candidates(scores, log_probs, 2 * beams, model.eos_id)
    pairs = {
        "log-probabilities": (log_probs, onnx_log_probs),
        "attention": (attention, onnx_attention),
        "decoder state": _carried(expected, actual),
        "growing candidates": (top.growing.scores, chosen.growing.scores),
        # the rows and tokens that make the sums (a near tie may rank two
        # tokens the other way round)
        "growing candidates' tokens": (
            _sums(chosen.growing, scores, log_probs),
            chosen.growing.scores,
        ),
    }
    if (top.best is None) != (chosen.best is None):
        raise ValueError("ONNX Runtime's candidates end where torch's do not")
    if top.best is not None and chosen.best is not None:
        pairs["candidates"] = (top.best.scores, chosen.best.scores)
    for name, (torch_value, onnx_value) in pairs.items():
        if not torch.allclose(torch_value, onnx_value, atol=1e-4, rtol=1e-3):
            raise ValueError(f"ONNX Runtime's {name} differ from torch's")


def _sums(extensions: Extensions, scores: Tensor, log_probs: Tensor) -> Tensor:
    """The summed log-probabilities of ``extensions`` of beams scoring
    ``scores``, from torch's ``log_probs``."""
    rows = extensions.rows
    return scores.view(-1)[rows] + log_probs[rows, extensions.tokens]


def _carried(
    expected: DecoderState | TransformerState, actual: GraphState
) -> tuple[Tensor, Tensor]:
    """What a step hands the next, in torch's state and ONNX Runtime's: the
    RNN's state, the Transformer's cache."""
    if isinstance(expected, TransformerState):
        last = len(expected.self_values) - 1
        name = f"{transformer_graphs.SELF_CACHE[1]}_{last}"
        return expected.self_values[-1], torch.from_numpy(actual.arrays[name])
    return expected.hidden[0], torch.from_numpy(actual.arrays[HIDDEN_NAMES[0]])
