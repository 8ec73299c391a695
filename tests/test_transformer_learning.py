"""A tiny Transformer learns to reverse sequences in a few hundred CPU steps,
trained by teacher forcing and decoded through the searches' cached steps, with
source attention that a heat map can read."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.search import DecodeConfig, decode
from s2s_hub.training.schedules import inverse_sqrt_warmup

PAD, BOS, EOS = 0, 2, 3
LETTERS = range(4, 12)
LENGTH = 6


def reverse_batch(size: int, generator: torch.Generator):
    """Sources of LENGTH letters and eos, and their reversed targets."""
    letters = torch.randint(
        LETTERS.start, LETTERS.stop, (size, LENGTH), generator=generator
    )
    eos = torch.full((size, 1), EOS)
    bos = torch.full((size, 1), BOS)
    reversed_letters = letters.flip(1)
    src = torch.cat([letters, eos], dim=1)
    return (
        src,
        torch.cat([bos, reversed_letters], 1),
        torch.cat([reversed_letters, eos], 1),
    )


def test_a_tiny_transformer_learns_to_reverse():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    config = Seq2SeqConfig(
        src_vocab_size=12,
        tgt_vocab_size=12,
        hidden_size=32,
        encoder_layers=1,
        decoder_layers=1,
        dropout=0.0,
        tie_embeddings=True,
        arch="transformer",
        heads=2,
        ff_size=64,
    )
    model = Seq2Seq(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, inverse_sqrt_warmup(50))
    lengths = torch.full((64,), LENGTH + 1)
    for _ in range(300):
        src, tgt_in, tgt_out = reverse_batch(64, generator)
        logits = model(src, lengths, tgt_in).logits
        loss = F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    model.eval()
    src, _, tgt_out = reverse_batch(50, generator)
    expected = tgt_out[:, :-1].tolist()
    for method in ("greedy", "beam"):
        config = DecodeConfig(method=method, beam_size=3, max_length=LENGTH + 2)
        outputs = decode(model, src, lengths[:50], config)
        correct = sum(n[0].tokens == e for n, e in zip(outputs, expected, strict=True))
        assert correct >= 45, (method, correct)
    # the heat maps' weights align: output i looks most at source letter -1 - i
    mirrored = torch.arange(LENGTH - 1, -1, -1)
    aligned = sum(
        (n[0].attention[:LENGTH].argmax(-1) == mirrored).sum().item() for n in outputs
    )
    assert aligned >= 0.9 * 50 * LENGTH
