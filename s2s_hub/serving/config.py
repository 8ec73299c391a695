"""How a loaded model computes its answers: number format and runtime."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from s2s_hub.serving.cpu import native_amx

PRECISIONS = ("fp32", "bf16", "int8")
#: the precision chosen at load among those the card allows (``serving.auto``)
AUTO = "auto"
RUNTIMES = ("torch", "onnxruntime")


@dataclass(frozen=True)
class ServingConfig:
    """The precision and runtime a model is loaded for; validated once, here.

    Attributes:
        precision: fp32 (as trained); bf16 (weights and activations in bfloat16,
            torch only); int8 (weight matrices and the encoder RNN quantized to
            8 bits, activations quantized on the fly: dynamic quantization);
            auto (the fastest of those on this CPU within 0.3 of fp32's score,
            runtime and shortlist included: ``s2s_hub.serving.auto``).
        runtime: torch (the ``Seq2Seq`` module) or onnxruntime (the encoder and
            decoder-step graphs that ``s2s-hub export --onnx`` writes).
        shortlist: score only each batch's shortlist of target tokens, from the
            model folder's ``shortlist.safetensors`` (``s2s-hub shortlist``;
            onnxruntime only: ``s2s_hub.serving.shortlist``).
    """

    precision: str = "fp32"
    runtime: str = "torch"
    shortlist: bool = False

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError("invalid serving settings: " + "; ".join(problems))

    def _problems(self) -> Iterator[str]:
        choices = (*PRECISIONS, AUTO)
        if self.precision not in choices:
            yield f"precision must be one of {choices}, got {self.precision!r}"
        if self.runtime not in RUNTIMES:
            yield f"runtime must be one of {RUNTIMES}, got {self.runtime!r}"
        elif self.runtime == "onnxruntime" and self.precision == AUTO:
            yield "precision auto chooses the runtime as well: give runtime torch"
        elif self.runtime == "onnxruntime" and self.precision == "bf16":
            # ONNX Runtime's CPU kernels have no bfloat16 LSTM, Gemm or MatMul
            yield "precision bf16 needs runtime torch (onnxruntime serves fp32, int8)"
        if self.shortlist and self.precision == AUTO:
            yield "precision auto chooses whether to serve the shortlist as well"
        elif self.shortlist and self.runtime != "onnxruntime":
            yield "a shortlist needs runtime onnxruntime (its step graph takes it)"

    @property
    def name(self) -> str:
        """The name a card gives its scores (``serving_name``)."""
        return serving_name(self.precision, self.runtime, self.shortlist)


def serving_name(precision: str, runtime: str, shortlist: bool = False) -> str:
    """How a model card's ``precisions`` name a way of serving: the precision
    (``int8``), after the runtime when that is not torch (``onnxruntime-int8``),
    and before ``-shortlist`` when the output layer scores a shortlist.

    torch int8 on a CPU with AMX is a path of its own, ``int8-amx``: there rows in
    batches run oneDNN's kernel (``int8_linear.TwoKernelLinear``), whose float
    rounding differs from fbgemm's by about 1e-8, and int8's activation rounding
    and beam search turn that into another score (the bundled translator's test
    BLEU: 20.79 with it, 20.93 with fbgemm alone, fp32 21.11). So a card records,
    and ``auto`` reads, the score of the path this CPU runs.
    """
    if runtime != "torch":
        return f"{runtime}-{precision}" + ("-shortlist" if shortlist else "")
    return f"{precision}-amx" if precision == "int8" and native_amx() else precision
