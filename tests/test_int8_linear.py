"""The int8 layers (``serving/int8_linear.py``): a layer packed for two kernels
answers like one packed for either, and each call takes the kernel its rows need."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from s2s_hub.serving.int8_linear import (
    AMX_ROWS,
    FullRangeLinear,
    TwoKernelLinear,
    quantized_engine,
)

pytestmark = pytest.mark.skipif(
    not {"fbgemm", "onednn"} <= set(torch.backends.quantized.supported_engines),
    reason="this torch build lacks fbgemm or oneDNN quantized kernels",
)


def _plain() -> nn.Linear:
    torch.manual_seed(0)
    linear = nn.Linear(48, 40)
    linear.qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
    return linear


@pytest.mark.parametrize("rows", [1, AMX_ROWS - 1, AMX_ROWS, 3 * AMX_ROWS])
def test_both_kernels_answer_like_the_float_layer(rows):
    plain = _plain()
    layer = TwoKernelLinear(plain)
    x = torch.randn(rows, 48)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), plain(x), atol=0.05, rtol=0.0)
        with quantized_engine("fbgemm"):
            single = FullRangeLinear.from_float(plain)
        # the same rounding as one layer of either engine, to float noise
        torch.testing.assert_close(layer(x), single(x), atol=1e-4, rtol=0.0)


def test_each_call_takes_the_kernel_of_its_row_count():
    layer = TwoKernelLinear(_plain())
    used = []
    for name in ("few_rows", "many_rows"):
        getattr(layer, name).register_forward_hook(
            lambda module, args, out, name=name: used.append(name)
        )
    with torch.no_grad():
        layer(torch.randn(5, 48))  # one sentence's beams
        layer(torch.randn(64, 5, 48))  # a batch's: 320 rows
    assert used == ["few_rows", "many_rows"]


def test_the_engine_in_force_is_restored():
    before = torch.backends.quantized.engine
    with pytest.raises(RuntimeError), quantized_engine("onednn"):
        assert torch.backends.quantized.engine == "onednn"
        raise RuntimeError
    assert torch.backends.quantized.engine == before
