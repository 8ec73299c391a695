"""A decodable model with no torch weights: the exported graphs in ONNX Runtime.

``OnnxSeq2Seq`` follows ``s2s_hub.search.Decodable`` with two
``onnxruntime.InferenceSession`` objects, one per graph of ``graphs.py``; its
state is the step graph's inputs as arrays (``GraphState``), which searches
reorder as they do a ``DecoderState``. So greedy search, beam search and sampling
run unchanged, on torch tensors, and only the model's two calls leave torch (and
beam search's choice of extensions, which the step graph makes beside its
log-probabilities: ``step_candidates``).
"""

from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from s2s_hub.files import DECODER_STEP_ONNX_FILE, ENCODER_ONNX_FILE, ONNX_FILES
from s2s_hub.model import Seq2SeqConfig, Seq2SeqOutput
from s2s_hub.model.config import ConfigTokenIds
from s2s_hub.search.candidates import Candidates, Extensions, counts, top_candidates
from s2s_hub.serving import transformer_graphs
from s2s_hub.serving.cpu import native_int8_dot
from s2s_hub.serving.graph_state import GraphState, StateLayout
from s2s_hub.serving.shortlist import Shortlist
from s2s_hub.serving.shortlist_graph import Shortlisted, open_output_layer
from s2s_hub.serving.signatures import (
    CANDIDATE_INPUTS,
    CANDIDATE_OUTPUTS,
    GROWING_OUTPUTS,
    encoder_inputs,
    encoder_outputs,
    step_outputs,
)


def _onnxruntime():
    """The ``onnxruntime`` module, or an error that says how to install it."""
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            "the onnxruntime runtime needs ONNX Runtime: pip install 's2s-hub[onnx]'"
        ) from error
    return onnxruntime


class OnnxSeq2Seq(nn.Module, ConfigTokenIds):
    """``Seq2Seq``'s ``encode``, ``step`` and teacher-forced ``forward``, computed
    by ONNX Runtime from ``encoder.onnx`` and ``decoder_step.onnx``.

    A module without parameters, so that ``Predictor`` holds it as it holds a
    ``Seq2Seq``; ``config`` is the architecture the graphs were exported from.
    """

    def __init__(
        self,
        config: Seq2SeqConfig,
        encoder,
        decoder_step,
        streams: int = 1,
        shortlist: Shortlisted | None = None,
    ) -> None:
        """``encoder`` and ``decoder_step``: ``onnxruntime.InferenceSession``s of
        the two graphs; ``streams``: how many batches ``Predictor`` decodes at
        once, each call on its own thread; ``shortlist``: the output layer a
        step graph of ``shortlist_graph`` scores a batch's shortlist with."""
        super().__init__()
        self.config = config
        self.encoder_session = encoder
        self.step_session = decoder_step
        self.streams = streams
        self.shortlist = shortlist
        # the exporter drops inputs a graph does not read (the step index without
        # local-m attention, the source ids without the copy gate)
        inputs = decoder_step.get_inputs()
        self._step_inputs = {node.name for node in inputs}
        self._layout = StateLayout.of(inputs, {"prev_tokens", *CANDIDATE_INPUTS})
        self._empty = functools.partial(transformer_graphs.empty_caches, inputs)
        # the state's arrays after the step graph's log-probabilities and
        # attention, and the inputs they feed at the next step
        self._carried = step_outputs(config)[2:]
        self._feeds = tuple(name.removeprefix("next_") for name in self._carried)
        # graphs exported before they chose beam search's candidates (revision
        # 3 ranked each row's tokens; a plain step ranks one token of one row)
        self._chooses = GROWING_OUTPUTS[0] in {
            node.name for node in decoder_step.get_outputs()
        }
        self._unranked = {
            name: value
            for name, value in _UNRANKED.items()
            if name in self._step_inputs
        }

    @classmethod
    def load(
        cls,
        folder: str | Path,
        config: Seq2SeqConfig,
        precision: str = "fp32",
        shortlist: Shortlist | None = None,
    ) -> OnnxSeq2Seq:
        """The graphs in ``folder``; ``precision`` int8 quantizes their weight
        matrices and LSTM as they are loaded (ONNX Runtime's dynamic quantization);
        with a ``shortlist``, the step graph scores each batch's shortlist only
        (``shortlist_graph``).

        Each call computes on the thread that makes it, and the cores torch has at
        this call (``torch.set_num_threads``) decode as many batches at once
        (``streams``). A decoder step is too small to share: on an Intel Xeon
        with AMX the translator's beam-5 sentence took 27 ms on one thread and
        32 ms on two, and two batches side by side, a thread each, decoded its
        test split at 105 sentences/s against 76 for one batch on both. One
        thread also keeps
        the int8 LSTM's results the same on every machine: split over threads,
        its activations are quantized by the part (the translator's test BLEU:
        21.14 on two threads, 21.24 on one).
        """
        folder = Path(folder)
        missing = [name for name in ONNX_FILES if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"{folder} has no {' or '.join(missing)}: write the ONNX graphs with "
                "`s2s-hub export CHECKPOINT FOLDER --onnx`"
            )
        ort = _onnxruntime()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        encoder = folder / ENCODER_ONNX_FILE
        if precision == "int8":
            encoder = quantize_graph(encoder)
        step, shortlisted = _step_graph(folder, config, precision, shortlist)
        sessions = [
            ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
            for graph in (encoder, step)
        ]
        streams = torch.get_num_threads()
        return cls(config, *sessions, streams=streams, shortlist=shortlisted)

    def encode(self, src: Tensor, src_lengths: Tensor) -> GraphState:
        """``Seq2Seq.encode``: the decoder's initial state of ``src`` (batch,
        src_len)."""
        return self._encoded(src, src_lengths, src)

    def _encoded(self, src: Tensor, src_lengths: Tensor, tokens: Tensor) -> GraphState:
        """``encode``, with a shortlist of ``tokens`` (the source, or the source
        and the targets that ``forward`` scores)."""
        arrays = _arrays(self.encoder_session, encoder_inputs(src, src_lengths))
        encoded = dict(zip(encoder_outputs(self.config), arrays, strict=True))
        encoded["source"] = src.contiguous().numpy()
        if self.config.arch == "transformer":
            encoded |= self._empty(src.size(0))
        names = [*self._layout.rows, *self._layout.sentences]
        vocabulary = None
        if self.shortlist is not None:
            vocabulary, selected = self.shortlist.inputs(tokens.numpy())
            encoded |= selected
            encoded["source"] = np.searchsorted(vocabulary, encoded["source"])
            names += selected
        state = {name: encoded[name] for name in names}
        return GraphState(state, self._layout, vocabulary=vocabulary)

    def step(
        self, prev_tokens: Tensor, state: GraphState
    ) -> tuple[Tensor, Tensor, GraphState]:
        """``Seq2Seq.step``: log-probabilities (rows, vocab) and attention
        (rows, src_len) of the token after ``prev_tokens`` (rows,), and the next
        state."""
        (log_probs, attention), next_state = self._step(
            prev_tokens, state, self._unranked, ("log_probs", "attention")
        )
        if state.vocabulary is not None:  # -inf beyond the shortlist
            scored, shape = log_probs, (len(log_probs), self.config.tgt_vocab_size)
            log_probs = np.full(shape, -np.inf, dtype=np.float32)
            log_probs[:, state.vocabulary] = scored
        return torch.from_numpy(log_probs), torch.from_numpy(attention), next_state

    def step_candidates(
        self, prev_tokens: Tensor, state: GraphState, scores: Tensor, count: int
    ) -> tuple[Candidates, Tensor, GraphState]:
        """``RanksCandidates.step_candidates``: chosen by the step graph, or by
        torch from a graph exported before it chose them.

        The candidates' tokens are checked for eos as the arrays ONNX Runtime
        returns, and only what a step uses becomes a tensor (``graph_state``
        says why).
        """
        if not self._chooses:
            log_probs, attention, next_state = self.step(prev_tokens, state)
            chosen = top_candidates(scores, log_probs, count, self.eos_id)
            return chosen, attention, next_state
        vocabulary = state.vocabulary
        size = self.config.tgt_vocab_size if vocabulary is None else len(vocabulary)
        best, kept = counts(count, scores.size(1), size)
        ranking = {
            CANDIDATE_INPUTS[0]: scores.contiguous().numpy(),
            CANDIDATE_INPUTS[1]: _count(best),
            CANDIDATE_INPUTS[2]: _count(kept),
        }
        wanted = ("attention", *GROWING_OUTPUTS, *CANDIDATE_OUTPUTS)
        (attention, *arrays), next_state = self._step(
            prev_tokens, state, ranking, wanted
        )
        if vocabulary is not None:  # places in the shortlist to token ids
            arrays[2], arrays[-1] = vocabulary[arrays[2]], vocabulary[arrays[-1]]
        growing, extensions = arrays[:3], arrays[3:]
        chosen = Candidates(Extensions(*map(torch.from_numpy, growing)))
        ends = extensions[-1] == self.eos_id
        if ends.any():
            chosen.best = Extensions(*map(torch.from_numpy, extensions))
            chosen.ends = torch.from_numpy(ends)
        return chosen, torch.from_numpy(attention), next_state

    def _step(
        self,
        prev_tokens: Tensor,
        state: GraphState,
        ranking: dict[str, np.ndarray],
        wanted: tuple[str, ...],
    ) -> tuple[list[np.ndarray], GraphState]:
        """One run of the step graph: the outputs ``wanted``, as arrays, and the
        next state; ``ranking`` feeds the inputs of ``add_candidates``."""
        feeds = state.arrays | ranking
        feeds["prev_tokens"] = prev_tokens.contiguous().numpy()
        if "step" in self._step_inputs:
            feeds["step"] = np.array(state.step)
        arrays = self.step_session.run([*wanted, *self._carried], feeds)
        carried = zip(self._feeds, arrays[len(wanted) :], strict=True)
        next_state = state.stepped(dict(carried))
        return arrays[: len(wanted)], next_state

    def forward(
        self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor
    ) -> Seq2SeqOutput:
        """Teacher-forced log-probabilities, which serve as logits, for
        bos-prefixed ``tgt_in`` (batch, tgt_len), one step at a time
        (``Predictor.score``: perplexity, ranking)."""
        state = self._encoded(src, src_lengths, torch.cat([src, tgt_in], 1))
        log_probs, attention = [], []
        for tokens in tgt_in.unbind(dim=1):
            step_log_probs, step_attention, state = self.step(tokens, state)
            log_probs.append(step_log_probs)
            attention.append(step_attention)
        return Seq2SeqOutput(torch.stack(log_probs, 1), torch.stack(attention, 1))


def _step_graph(
    folder: Path, config: Seq2SeqConfig, precision: str, shortlist: Shortlist | None
) -> tuple[Path | bytes, Shortlisted | None]:
    """The step graph ``OnnxSeq2Seq.load`` runs, and with a ``shortlist`` the
    output layer's tensors it takes slices of (``shortlist_graph``: the graph's
    are made inputs after quantization, so that int8 scores a token alike with
    or without a shortlist)."""
    graph = folder / DECODER_STEP_ONNX_FILE
    if precision == "int8":
        graph = quantize_graph(graph)
    if shortlist is None:
        return graph, None
    import onnx

    model = (
        onnx.load_from_string(graph) if isinstance(graph, bytes) else onnx.load(graph)
    )
    layer = open_output_layer(model, config.tgt_vocab_size)
    return model.SerializeToString(), Shortlisted(shortlist, layer)


def _arrays(session, inputs: dict[str, Tensor]) -> list[np.ndarray]:
    """Run an ONNX Runtime session on torch tensors; its outputs as the arrays
    it returns (``numpy()`` shares a tensor's memory: a sliced input is made
    contiguous first)."""
    feeds = {name: value.contiguous().numpy() for name, value in inputs.items()}
    return session.run(None, feeds)


@functools.lru_cache(maxsize=64)
def _count(value: int) -> np.ndarray:
    """A count input of the step graph (never written to: made once)."""
    return np.array([value])


#: what a plain step feeds the inputs of ``add_candidates``: one token of one row
_UNRANKED = {
    CANDIDATE_INPUTS[0]: np.zeros((1, 1), dtype=np.float32),
    CANDIDATE_INPUTS[1]: _count(1),
    CANDIDATE_INPUTS[2]: _count(1),
}


def quantize_graph(graph: Path) -> bytes:
    """``graph`` with int8 weight matrices and LSTM (dynamic quantization, one
    scale per output row), as the bytes of an ONNX model.

    What stays fp32: products of two activations (attention scores and contexts:
    ``MatMulConstBOnly``) and products with a weight vector (additive attention's
    ``v``, which ONNX Runtime cannot quantize per row either). The decoder's
    ``combine`` is quantized on every CPU: ONNX Runtime gives activations all 8
    bits and, on a CPU without int8 dot products (``native_int8_dot``), weights
    7, where 8 would saturate; on the translation model the graphs' test BLEU
    stayed within 0.1 of fp32.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(graph)
    # a vector, or a matrix of one column (additive attention's v)
    vectors = {w.name for w in model.graph.initializer if list(w.dims)[1:] in ([], [1])}
    products_with_vectors = [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul" and node.input[1] in vectors
    ]
    root = logging.getLogger()
    root.addFilter(_quantizer_notes)
    try:
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / graph.name
            quantize_dynamic(
                model,
                output,
                per_channel=True,
                reduce_range=not native_int8_dot(),
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul", "Gemm", "LSTM"],
                nodes_to_exclude=products_with_vectors,
                extra_options={"MatMulConstBOnly": True},
            )
            return output.read_bytes()
    finally:
        root.removeFilter(_quantizer_notes)


def _quantizer_notes(record: logging.LogRecord) -> bool:
    """Drops what the quantizer logs to the root logger at every load: a note per
    tensor it leaves alone (INFO) and advice to pre-process the graph for static
    quantization (WARNING); its failures raise."""
    return "onnxruntime" not in record.pathname
