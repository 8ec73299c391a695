"""Sinusoidal position encodings (Vaswani et al., 2017, section 3.5).

Computed from the positions themselves rather than read from a table: no length
limit, nothing to store, and a decoder step's position may be a tensor (an input
of the exported ONNX step graph).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def sinusoids(positions: Tensor, size: int) -> Tensor:
    """``PE(p, 2i) = sin(p / 10000^(2i/size))`` and ``PE(p, 2i+1) = cos(...)``.

    Args:
        positions: position numbers, any shape (...), any numeric dtype.
        size: encoding width, even.

    Returns:
        float32 encodings of shape (..., size), sines and cosines interleaved.
    """
    half = torch.arange(size // 2, device=positions.device, dtype=torch.float32)
    frequencies = torch.exp(half * (-2 * math.log(10000.0) / size))  # size/2
    angles = positions.to(torch.float32).unsqueeze(-1) * frequencies  # ... x size/2
    return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(-2)
