"""The int8 matrix layers of a quantized model: all 8 bits of each activation, and
on AMX CPUs the weights packed for two kernels.

torch's dynamic int8 ``Linear`` quantizes each input on the fly and multiplies it
with weights packed for one engine's kernels. Two things about that default cost
this project's models speed or accuracy, depending on the CPU: the 7-bit
activations (``FullRangeLinear``) and the one engine (``TwoKernelLinear``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn
from torch.ao.nn.quantized import dynamic as quantized

#: from this many rows (beams x sentences) on, oneDNN's AMX kernel beats fbgemm's
#: on the translator's products (Xeon with AMX, 1 thread, fbgemm / oneDNN µs:
#: 320 -> 1280 at 5 rows 24 / 33, 20 rows 51 / 57, 40 rows 94 / 70, 160 rows
#: 447 / 225; 320 -> 8000 at 20 rows 446 / 407, 160 rows 4,817 / 1,021)
AMX_ROWS = 20


class FullRangeLinear(quantized.Linear):
    """torch's int8 dynamic ``Linear``, with all 8 bits of each activation.

    torch keeps 7 (``reduce_range``) so that x86 CPUs without int8 dot products,
    whose instruction sums pairs of u8 x s8 products into saturating 16-bit
    integers, stay exact; with VNNI, AMX or Arm dotprod nothing saturates and the
    8th bit halves the rounding step (see ``precision.quantize_int8``).
    """

    def forward(self, x: Tensor) -> Tensor:
        packed = self._packed_params._packed_params
        return torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False)


class TwoKernelLinear(nn.Module):
    """A ``FullRangeLinear`` whose weights are packed for fbgemm and for oneDNN,
    each call taking the kernel that is faster for its number of rows.

    On a Xeon with AMX oneDNN multiplies int8 matrices on the AMX tiles: for the
    320 rows of a beam-5 batch of 64 sentences it ran the translator's products
    2 to 4.7x faster than fbgemm, and for the 5 rows of one sentence's beams up
    to 1.4x slower (``AMX_ROWS``). torch's ``x86`` engine packs dynamic
    ``Linear`` weights for fbgemm only. Packed weights carry their own kernels
    whichever engine torch has selected, so one layer holds both: twice the
    int8 weights, half what the fp32 ones took.
    """

    def __init__(self, plain: nn.Linear) -> None:
        super().__init__()
        self.in_features, self.out_features = plain.in_features, plain.out_features
        with quantized_engine("fbgemm"):
            self.few_rows = FullRangeLinear.from_float(plain)
        with quantized_engine("onednn"):
            self.many_rows = FullRangeLinear.from_float(plain)

    def forward(self, x: Tensor) -> Tensor:
        rows = x.numel() // self.in_features
        return (self.many_rows if rows >= AMX_ROWS else self.few_rows)(x)


@contextmanager
def quantized_engine(name: str) -> Iterator[None]:
    """torch's quantized engine set to ``name`` for the block: weights are packed
    for the engine in force when they are quantized."""
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = name
    try:
        yield
    finally:
        torch.backends.quantized.engine = previous


#: what an int8 model's weight matrices are, whichever CPU quantized them
INT8_LINEARS = (quantized.Linear, TwoKernelLinear)
