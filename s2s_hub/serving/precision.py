"""Reduced precision for CPU serving: bfloat16, or int8 dynamic quantization.

Decoding one sentence reads every weight matrix at every step, so on a CPU its
time goes mostly to moving weights: halving (bf16) or quartering (int8) their
bytes is what speeds it up. float16 is not offered: CPUs compute it by converting
each operation, which made decoding seven times slower, not faster.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import torch
from torch import nn
from torch.ao.nn.quantized import dynamic as quantized
from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

from s2s_hub.model import Seq2Seq

#: /proc/cpuinfo flags of native bfloat16 arithmetic: x86 AVX512-BF16 and AMX, Arm
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})
#: flags of int8 dot products: x86 VNNI (AVX-512 or AVX) and AMX, Arm dotprod
INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8", "asimddp"})
CPUINFO = Path("/proc/cpuinfo")


@functools.cache
def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (x86 ``flags``, Arm
    ``Features``); empty where there is no such file (not Linux). Read once per
    process: every model load and graph quantization asks."""
    if not cpuinfo.is_file():
        return frozenset()
    for line in cpuinfo.read_text(errors="replace").splitlines():
        name, _, values = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return frozenset(values.split())
    return frozenset()


def native_bf16(cpuinfo: Path = CPUINFO) -> bool:
    """Whether this CPU computes bfloat16 natively (Linux; False where unknown).

    Without it torch emulates bf16 through conversions to fp32: on an AVX2-only
    EPYC, beam search in bf16 answered a sentence 3.4x slower than fp32 and decoded
    batches 15x slower, where the machine of the earlier serving benchmark
    answered 1.8x faster (bench/serving.py on the bundled translation model).
    """
    return bool(BF16_FLAGS & cpu_flags(cpuinfo))


def native_int8_dot(cpuinfo: Path = CPUINFO) -> bool:
    """Whether this CPU has int8 dot-product instructions (VNNI, AMX, Arm dotprod).

    Without them ONNX Runtime multiplies u8 by s8 with an instruction whose
    16-bit sums saturate; its int8 logits then strayed 0.06 from fp32 on a tiny
    model (AVX2 EPYC), and 7-bit weights (``reduce_range``) avoid that.
    """
    return bool(INT8_DOT_FLAGS & cpu_flags(cpuinfo))


def int8_available() -> bool:
    """Whether this torch build has a quantized engine (fbgemm, onednn, x86 or
    qnnpack) for int8 dynamic quantization."""
    return any(
        engine != "none" for engine in torch.backends.quantized.supported_engines
    )


def fastest_precision() -> str:
    """The fastest precision within 0.3 of fp32's scores on the bundled models.

    int8 wherever torch can run it. On the bundled models of 2026-12-04 it moved
    translation test BLEU by -0.20, summarization ROUGE-L by +0.10 and dialogue
    hits@1 by +0.1, and on the benchmark's machine (AVX-512 with VNNI and BF16)
    answered a sentence with beam search 4.0x faster than fp32 and decoded
    batches 2.08x faster, ahead of bf16 (bench/serving.py; README, "Serving on a
    CPU"). ONNX Runtime int8 answers a sentence faster still but decodes batches
    slower, and the bundled folders carry no graphs. Without a quantized engine,
    bf16 on a CPU with native bf16, else fp32.
    """
    if int8_available():
        return "int8"
    return "bf16" if native_bf16() else "fp32"


QUANTIZED_RNNS: dict[type[nn.RNNBase], type[nn.Module]] = {
    nn.LSTM: quantized.LSTM,
    nn.GRU: quantized.GRU,
}


def with_precision(model: Seq2Seq, precision: str) -> Seq2Seq:
    """``model`` in ``precision`` (fp32, bf16 or int8), converted in place.

    Args:
        model: an fp32 model in eval mode; int8 leaves it for inference only.
        precision: one of ``s2s_hub.serving.config.PRECISIONS``.
    """
    if precision == "bf16":
        return model.to(torch.bfloat16)
    if precision == "int8":
        return quantize_int8(model)
    return model


def quantize_int8(model: Seq2Seq) -> Seq2Seq:
    """Replace every weight matrix by its int8 dynamic-quantized form, in place.

    That is the output layer, the attention projections, the decoder cells'
    input and recurrent matrices and the bridge (``nn.Linear`` with more than one
    output, per-output-row scales) and the encoder's LSTM/GRU. Embeddings stay
    fp32 (a lookup reads one row, no matmul), and so do the one-row weights
    (attention's ``v``, the copy gate): a dot product gains nothing from int8, and
    ``AdditiveAttention`` reads ``v.weight`` as a tensor, which is why
    ``torch.ao.quantization.quantize_dynamic`` over all ``nn.Linear`` fails on
    this model.

    Activations get one int8 scale per input, so the rounding step matters most
    where an input mixes a few large values with many tiny ones: the decoder's
    ``combine``, whose input joins the top decoder state and the context (values
    mostly within a few hundredths of zero, standard deviations 0.03 and 0.07 on
    translation's dev split, beside a few near 1). With 7-bit activations
    (torch's default, ``reduce_range``) quantizing it alone raised that model's
    dev perplexity from 15.64 to 15.73, three quarters of what quantizing every
    matrix did (15.76). So on a CPU with int8 dot products (``native_int8_dot``)
    activations get all 8 bits (``FullRangeLinear``; every matrix quantized: dev
    perplexity 15.67), and elsewhere, where the 8th bit would saturate, combine
    stays fp32 (5% of a step's weights; 15.67 as well).
    """
    full_range = native_int8_dot()
    # the RNN decoder's; a Transformer has no such input
    combine = getattr(model.decoder, "combine", None)
    targets = [
        (name, module)
        for name, module in model.named_modules()
        if (
            (isinstance(module, nn.Linear) and module.out_features > 1)
            or type(module) in QUANTIZED_RNNS
        )
        and (full_range or module is not combine)
    ]
    # torch 2.13 deprecates eager-mode quantization in favour of torchao, with a
    # warning per quantized tensor that the user of a loaded model cannot act on
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(deprecated|torchao).*")
        for name, module in targets:
            parent, _, attribute = name.rpartition(".")
            quantized_module = _quantized(module, full_range)
            setattr(model.get_submodule(parent), attribute, quantized_module)
    return model


class FullRangeLinear(quantized.Linear):
    """torch's int8 dynamic ``Linear``, with all 8 bits of each activation.

    torch keeps 7 (``reduce_range``) so that x86 CPUs without int8 dot products,
    whose instruction sums pairs of u8 x s8 products into saturating 16-bit
    integers, stay exact; with VNNI, AMX or Arm dotprod nothing saturates and the
    8th bit halves the rounding step (see ``quantize_int8``).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        packed = self._packed_params._packed_params
        return torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False)


def _quantized(module: nn.Module, full_range: bool) -> nn.Module:
    """The int8 dynamic-quantized twin of an ``nn.Linear`` (or subclass) or RNN."""
    if isinstance(module, nn.Linear):
        # from_float accepts exact nn.Linear only, not OutputLayer
        plain = nn.Linear(
            module.in_features, module.out_features, module.bias is not None
        )
        plain.load_state_dict(module.state_dict())
        plain.qconfig = per_channel_dynamic_qconfig
        return (FullRangeLinear if full_range else quantized.Linear).from_float(plain)
    module.qconfig = default_dynamic_qconfig
    return QUANTIZED_RNNS[type(module)].from_float(module)
