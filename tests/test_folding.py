"""``serving.folding``: the step the ONNX graph is traced from computes what the
trained model's does, with a table for the embedding projection and one product
per LSTM layer."""

from __future__ import annotations

import pytest
import torch

from s2s_hub.model.cells import StackedCells
from s2s_hub.serving import folding
from s2s_hub.serving.folding import JoinedLSTM, fold
from tests.test_model import tiny

SRC = torch.tensor([[5, 6, 7, 8, 3], [9, 6, 3, 0, 0]])
LENGTHS = torch.tensor([5, 3])
TOKENS = torch.tensor([[2, 2, 2, 2], [4, 5, 6, 7], [8, 3, 9, 10]])  # steps x rows


def steps(model) -> list[torch.Tensor]:
    """Log-probabilities, attention and state of three steps of two beams each."""
    outputs = []
    with torch.no_grad():
        state = model.encode(SRC, LENGTHS).expand(2)
        for tokens in TOKENS:
            log_probs, attention, state = model.step(tokens, state)
            outputs += [log_probs, attention, state.feed, *state.hidden]
    return outputs


@pytest.mark.parametrize(
    ("attention", "cell", "changes"),
    [
        # layer 0 reads [context; feed; h], then [h] alone
        ("bahdanau", "lstm", {"copy": True, "src_vocab_size": 13}),
        ("dot", "lstm", {"input_feeding": False}),
        ("general", "gru", {}),
    ],
)
def test_a_folded_step_computes_the_models_step(attention, cell, changes):
    model = tiny(attention, cell, **changes)
    folded = fold(model)
    for expected, actual in zip(steps(model), steps(folded), strict=True):
        torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-4)
    vocab, gates = model.config.tgt_vocab_size, model.decoder.rnn.embedding_proj
    assert folded.decoder.embed.weight.shape == (vocab, gates.out_features)
    assert isinstance(model.decoder.rnn, StackedCells)  # the model is left as it was


def test_each_lstm_layer_is_one_product_and_a_gru_keeps_its_cells():
    lstm = fold(tiny("bahdanau", "lstm")).decoder.rnn
    assert isinstance(lstm, JoinedLSTM)
    hidden = lstm.hidden_size
    # layer 0: [context (2 hidden, bidirectional); feed; h], layer 1: [h below; h]
    widths = [product.in_features for product in lstm.products]
    assert widths == [4 * hidden, 2 * hidden]
    assert isinstance(fold(tiny("general", "gru")).decoder.rnn, StackedCells)


def test_a_table_over_the_limit_is_left_as_a_product(monkeypatch):
    model = tiny("general", "lstm")
    monkeypatch.setattr(folding, "MAX_TABLE_BYTES", 100)
    folded = fold(model)
    assert folded.decoder.embed.weight.shape == model.decoder.embed.weight.shape
    for expected, actual in zip(steps(model), steps(folded), strict=True):
        torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-4)
