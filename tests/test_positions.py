"""Sinusoidal position encodings (``model/positions.py``)."""

from __future__ import annotations

import math

import torch

from s2s_hub.model.positions import sinusoids


def test_pairs_of_sines_and_cosines_at_falling_frequencies():
    encodings = sinusoids(torch.arange(50), 8)  # 50 x 8
    assert encodings.shape == (50, 8)
    torch.testing.assert_close(encodings[0], torch.tensor([0.0, 1.0] * 4))
    # the first pair turns once every 2 pi positions, the last ten thousand times
    # more slowly: sin^2 + cos^2 = 1 for every pair
    torch.testing.assert_close(encodings[:, 0], torch.arange(50.0).sin())
    pairs = encodings.view(50, 4, 2)
    torch.testing.assert_close(pairs.pow(2).sum(-1), torch.ones(50, 4))
    assert math.isclose(encodings[7, 6].item(), math.sin(7 / 1000), rel_tol=1e-5)


def test_a_position_is_encoded_alike_alone_or_among_others():
    alone = sinusoids(torch.tensor(13), 16)
    assert alone.shape == (16,)
    torch.testing.assert_close(alone, sinusoids(torch.arange(20), 16)[13])
