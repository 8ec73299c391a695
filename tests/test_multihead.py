"""Multi-head attention (``model/multihead.py``): both ways of computing it agree,
and masked or future keys get no weight."""

from __future__ import annotations

import torch

from s2s_hub.model.multihead import MultiHeadAttention


def attention() -> MultiHeadAttention:
    torch.manual_seed(0)
    return MultiHeadAttention(size=12, heads=3, dropout=0.0).eval()


def test_weights_path_equals_the_fused_kernel():
    layer = attention()
    x, memory = torch.randn(2, 4, 12), torch.randn(2, 5, 12)
    keys, values = layer.keys_values(memory)
    assert keys.shape == (2, 3, 5, 4)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    allowed = mask[:, None, None, :]
    fused, none = layer(x, keys, values, allowed)
    explicit, weights = layer(x, keys, values, allowed, need_weights=True)
    assert none is None
    torch.testing.assert_close(fused, explicit)
    assert weights.shape == (2, 4, 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4))
    assert (weights[1, :, 2:] == 0).all()


def test_causal_attention_ignores_later_positions():
    layer = attention()
    x = torch.randn(1, 5, 12)
    changed = x.clone()
    changed[:, 3:] = torch.randn(1, 2, 12)
    outputs = []
    for inputs in (x, changed):
        keys, values = layer.keys_values(inputs)
        outputs.append(layer(inputs, keys, values, causal=True)[0])
    torch.testing.assert_close(outputs[0][:, :3], outputs[1][:, :3])
    assert not torch.allclose(outputs[0][:, 3:], outputs[1][:, 3:])
    # the weights path is causal too
    keys, values = layer.keys_values(x)
    explicit, weights = layer(x, keys, values, causal=True, need_weights=True)
    torch.testing.assert_close(explicit, outputs[0])
    assert (weights.triu(diagonal=1) == 0).all()
