"""Every attention variant must learn to reverse 8-token strings (held-out >= 95%).

Reversal needs attention that reaches across the whole source, so a variant that
fails here has a bug. Plain tensors and a short loop keep this within seconds.
"""

import pytest
import torch
import torch.nn.functional as F

from s2s_hub.model import ATTENTIONS, Seq2Seq, Seq2SeqConfig
from s2s_hub.search import decode
from s2s_hub.search.config import DecodeConfig

VOCAB, LENGTH, PAD, BOS, EOS = 16, 8, 0, 2, 3


def reverse_batch(size: int, generator: torch.Generator):
    tokens = torch.randint(4, VOCAB, (size, LENGTH), generator=generator)
    eos = torch.full((size, 1), EOS)
    src = torch.cat([tokens, eos], dim=1)
    target = tokens.flip(1)
    tgt_in = torch.cat([torch.full((size, 1), BOS), target], dim=1)
    tgt_out = torch.cat([target, eos], dim=1)
    return src, torch.full((size,), LENGTH + 1), tgt_in, tgt_out


def train_reverser(attention: str, steps: int = 400) -> Seq2Seq:
    torch.manual_seed(0)
    config = Seq2SeqConfig(
        src_vocab_size=VOCAB,
        tgt_vocab_size=VOCAB,
        emb_size=16,
        hidden_size=32,
        encoder_layers=1,
        decoder_layers=1,
        attention=attention,
        bidirectional=attention != "dot",
        local_window=6,
        dropout=0.0,
    )
    model = Seq2Seq(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(1)
    for step in range(steps):
        src, lengths, tgt_in, tgt_out = reverse_batch(64, generator)
        logits = model(src, lengths, tgt_in).logits
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt_out.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 50 == 49 and exact_match(model) >= 0.99:
            break
    return model.eval()


def exact_match(model: Seq2Seq, size: int = 200) -> float:
    was_training = model.training
    model.eval()
    src, lengths, _, tgt_out = reverse_batch(size, torch.Generator().manual_seed(99))
    config = DecodeConfig(method="greedy", max_length=LENGTH + 4)
    hypotheses = decode(model, src, lengths, config)
    gold = tgt_out[:, :-1].tolist()
    hits = sum(h[0].tokens == g for h, g in zip(hypotheses, gold, strict=True))
    model.train(was_training)
    return hits / size


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_every_attention_learns_to_reverse(attention):
    torch.set_num_threads(1)
    assert exact_match(train_reverser(attention)) >= 0.95
