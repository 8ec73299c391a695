"""How a loaded model computes its answers: number format and runtime."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

PRECISIONS = ("fp32", "bf16", "int8")
RUNTIMES = ("torch", "onnxruntime")


@dataclass(frozen=True)
class ServingConfig:
    """The precision and runtime a model is loaded for; validated once, here.

    Attributes:
        precision: fp32 (as trained); bf16 (weights and activations in bfloat16,
            torch only); int8 (weight matrices and the encoder RNN quantized to
            8 bits, activations quantized on the fly: dynamic quantization).
        runtime: torch (the ``Seq2Seq`` module) or onnxruntime (the encoder and
            decoder-step graphs that ``s2s-hub export --onnx`` writes).
    """

    precision: str = "fp32"
    runtime: str = "torch"

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError("invalid serving settings: " + "; ".join(problems))

    def _problems(self) -> Iterator[str]:
        if self.precision not in PRECISIONS:
            yield f"precision must be one of {PRECISIONS}, got {self.precision!r}"
        if self.runtime not in RUNTIMES:
            yield f"runtime must be one of {RUNTIMES}, got {self.runtime!r}"
        elif self.runtime == "onnxruntime" and self.precision == "bf16":
            # ONNX Runtime's CPU kernels have no bfloat16 LSTM, Gemm or MatMul
            yield "precision bf16 needs runtime torch (onnxruntime serves fp32, int8)"
