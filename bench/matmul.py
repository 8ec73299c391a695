"""This machine's limit: the fp32 matrix-multiply rate torch reaches here.

A 1024 x 1024 by 1024 x 1024 product is 2 * 1024^3 FLOPs; the rate is the best of
repeated timed batches, at the run's thread count. ``compare.py`` measures it at the
start and at the end of a run, so a change of load during the run shows.
"""

from __future__ import annotations

import time

import torch

SIZE = 1024


def matmul_flops_per_s(threads: int, seconds: float, size: int = SIZE) -> float:
    """Best fp32 ``size``^2 matmul rate over about ``seconds`` of measurement."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(size, size), torch.randn(size, size)
        out = torch.empty(size, size)
        for _ in range(3):
            torch.mm(a, b, out=out)
        best, deadline = 0.0, time.perf_counter() + seconds
        while time.perf_counter() < deadline or best == 0.0:
            started = time.perf_counter()
            for _ in range(4):
                torch.mm(a, b, out=out)
            best = max(best, 4 * 2 * size**3 / (time.perf_counter() - started))
        return best
    finally:
        torch.set_num_threads(previous)
