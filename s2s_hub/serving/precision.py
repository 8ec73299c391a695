"""Reduced precision for CPU serving: bfloat16, or int8 dynamic quantization.

Decoding one sentence reads every weight matrix at every step, so on a CPU its
time goes mostly to moving weights: halving (bf16) or quartering (int8) their
bytes is what speeds it up. float16 is not offered: CPUs compute it by converting
each operation, which made decoding seven times slower, not faster.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn
from torch.ao.nn.quantized import dynamic as quantized
from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

from s2s_hub.model import Seq2Seq
from s2s_hub.serving.cpu import native_amx, native_int8_dot
from s2s_hub.serving.int8_linear import FullRangeLinear, TwoKernelLinear

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


def _quantized(module: nn.Module, full_range: bool) -> nn.Module:
    """The int8 dynamic-quantized twin of an ``nn.Linear`` (or subclass) or RNN."""
    if isinstance(module, nn.Linear):
        # from_float accepts exact nn.Linear only, not OutputLayer
        plain = nn.Linear(
            module.in_features, module.out_features, module.bias is not None
        )
        plain.load_state_dict(module.state_dict())
        plain.qconfig = per_channel_dynamic_qconfig
        if full_range and native_amx():
            return TwoKernelLinear(plain)
        return (FullRangeLinear if full_range else quantized.Linear).from_float(plain)
    module.qconfig = default_dynamic_qconfig
    return QUANTIZED_RNNS[type(module)].from_float(module)
