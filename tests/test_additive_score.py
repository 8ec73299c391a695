"""The recomputing sigmoid score: tanh-equivalent attention, exact gradients."""

import pytest
import torch

from s2s_hub.model import additive_score
from s2s_hub.model.additive_score import _score as score
from s2s_hub.model.additive_score import sigmoid_score
from s2s_hub.model.attention import AdditiveAttention


@pytest.mark.parametrize("group", [1, 3])  # training's one query; three beams
def test_gradcheck_in_double_precision(group: int) -> None:
    keys = torch.randn(3, 5, 4, dtype=torch.double, requires_grad=True)
    query = torch.randn(3, group, 4, dtype=torch.double, requires_grad=True)
    v = torch.randn(4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(sigmoid_score, (keys, query, v))


def test_attention_weights_equal_the_tanh_form() -> None:
    torch.manual_seed(0)
    attention = AdditiveAttention(query_size=6, memory_size=8, attn_size=5)
    memory = torch.randn(2, 7, 8)
    query = torch.randn(2, 6)
    mask = torch.ones(2, 7, dtype=torch.bool)
    mask[1, 4:] = False
    _, weights = attention(query, attention.keys(memory), memory, mask, step=0)
    hidden = torch.tanh(
        attention.key_proj(memory) + attention.query_proj(query).unsqueeze(1)
    )
    scores = attention.v(hidden).squeeze(2).masked_fill(~mask, float("-inf"))
    torch.testing.assert_close(weights, torch.softmax(scores, dim=-1))


def test_inference_scores_a_few_sentences_at_a_time_with_the_same_result(
    monkeypatch,
) -> None:
    """Without gradients the activation is built in blocks that stay in cache."""
    keys, query, v = torch.randn(7, 5, 4), torch.randn(7, 3, 4), torch.randn(4)
    whole = sigmoid_score(keys, query, v)
    products = []
    monkeypatch.setattr(additive_score, "BLOCK_ELEMENTS", 2 * 3 * 5 * 4)
    monkeypatch.setattr(
        additive_score, "_score", lambda *args: products.append(args) or score(*args)
    )
    with torch.no_grad():
        blocked = sigmoid_score(keys, query, v)
    assert [len(args[0]) for args in products] == [2, 2, 2, 1]
    torch.testing.assert_close(blocked, whole)
