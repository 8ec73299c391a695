"""The output layer's inference path (cached (in, out) weight) against nn.Linear."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from s2s_hub.model.output_layer import OutputLayer


def _layer() -> OutputLayer:
    torch.manual_seed(0)
    return OutputLayer(8, 30)


def test_inference_matches_linear_for_any_leading_shape() -> None:
    layer = _layer()
    for shape in ((8,), (5, 8), (2, 3, 8)):
        x = torch.randn(*shape)
        expected = F.linear(x, layer.weight, layer.bias)
        with torch.inference_mode():
            got = layer(x)
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected)


def test_cache_follows_in_place_updates_and_loaded_weights() -> None:
    layer = _layer()
    x = torch.randn(4, 8)
    with torch.no_grad():
        layer(x)
        layer.weight.mul_(2.0)  # what an optimizer step does
        torch.testing.assert_close(layer(x), F.linear(x, layer.weight, layer.bias))
    layer.load_state_dict({"weight": torch.ones(30, 8), "bias": torch.zeros(30)})
    with torch.no_grad():
        expected = x.sum(1, keepdim=True).expand(4, 30)
        torch.testing.assert_close(layer(x), expected)


def test_cache_follows_a_fused_adam_step_between_validations() -> None:
    """Fused Adam leaves the version counter alone: training's mode switch must
    drop the copy, or validation scores stale weights (as it once did)."""
    layer = _layer()
    x = torch.randn(4, 8)
    optimizer = torch.optim.Adam(layer.parameters(), lr=0.1, fused=True)
    for _ in range(2):  # validation, a training step, validation again
        layer.eval()
        with torch.no_grad():
            torch.testing.assert_close(layer(x), F.linear(x, layer.weight, layer.bias))
        layer.train()
        layer(x).pow(2).sum().backward()
        optimizer.step()
        optimizer.zero_grad()


def test_training_path_is_linear_with_gradients() -> None:
    layer = _layer()
    layer(torch.randn(3, 8)).sum().backward()
    assert layer.weight.grad is not None and layer.bias.grad is not None
    assert layer._transposed is None  # no copy is made while training
