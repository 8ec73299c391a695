"""The fused output layer + label-smoothed loss equals PyTorch's, value and gradient."""

import pytest
import torch
import torch.nn.functional as F

from s2s_hub.training import loss as loss_module
from s2s_hub.training.loss import linear_smoothed_cross_entropy


def _inputs(tokens: int, dtype: torch.dtype = torch.float) -> tuple:
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(tokens, 6, generator=generator, dtype=dtype)
    weight = torch.randn(50, 6, generator=generator, dtype=dtype)
    bias = torch.randn(50, generator=generator, dtype=dtype)
    gold = torch.randint(0, 50, (tokens,), generator=generator)
    return features, weight, bias, gold


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("chunk", [4, 2048])
def test_matches_linear_and_cross_entropy(smoothing, chunk, monkeypatch) -> None:
    monkeypatch.setattr(loss_module, "CHUNK_TOKENS", chunk)
    tensors = _inputs(37)
    ours = [t.clone().requires_grad_() for t in tensors[:3]]
    theirs = [t.clone().requires_grad_() for t in tensors[:3]]
    gold = tensors[3]
    loss, nll = linear_smoothed_cross_entropy(*ours, gold, smoothing)
    logits = F.linear(*theirs)
    expected = F.cross_entropy(logits, gold, label_smoothing=smoothing)
    (2.5 * loss).backward()
    (2.5 * expected).backward()
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(nll, F.cross_entropy(logits, gold))
    for mine, reference in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine.grad, reference.grad)
    assert not nll.requires_grad


def test_gradcheck_in_double_precision(monkeypatch) -> None:
    monkeypatch.setattr(loss_module, "CHUNK_TOKENS", 3)
    features, weight, bias, gold = _inputs(7, torch.double)
    inputs = tuple(t.requires_grad_() for t in (features, weight, bias))
    assert torch.autograd.gradcheck(
        lambda f, w, b: linear_smoothed_cross_entropy(f, w, b, gold, 0.1)[0], inputs
    )


def test_without_bias_and_without_grad() -> None:
    features, weight, _, gold = _inputs(5)
    loss, _ = linear_smoothed_cross_entropy(features, weight, None, gold, 0.1)
    expected = F.cross_entropy(F.linear(features, weight), gold, label_smoothing=0.1)
    torch.testing.assert_close(loss, expected)
    assert not loss.requires_grad


def test_large_logits_stay_finite() -> None:
    features = torch.tensor([[1000.0], [-1000.0]], requires_grad=True)
    weight = torch.tensor([[1.0], [0.0], [-1.0]], requires_grad=True)
    loss, _ = linear_smoothed_cross_entropy(
        features, weight, None, torch.tensor([0, 1]), 0.1
    )
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(features.grad).all()
