"""Ancestral sampling with temperature, top-k and top-p (nucleus) filtering.

The filters shape which tokens may be drawn, but each hypothesis' ``log_prob`` is
scored under the model's own distribution (temperature 1, no filtering), like the
other search methods, so that scores of sampled, greedy and beam outputs compare.
"""

from __future__ import annotations

from functools import partial

import torch
from torch import Tensor

from s2s_hub.search.config import DecodeConfig
from s2s_hub.search.hypothesis import Hypothesis
from s2s_hub.search.protocol import Decodable
from s2s_hub.search.rollout import rollout


def sample(
    model: Decodable, src: Tensor, src_lengths: Tensor, config: DecodeConfig
) -> list[list[Hypothesis]]:
    """Draw ``config.n_best`` samples per sentence, sorted by score, best first.

    Each sentence is repeated ``n_best`` times and all rows are drawn as one batch
    from one generator seeded with ``config.seed`` (fresh entropy when None), so a
    seed reproduces a call exactly; a sentence's samples do depend on the batch
    it is drawn in.

    Args:
        model: the model to decode.
        src: token ids, shape (batch, src_len), padded with pad_id.
        src_lengths: real source lengths, shape (batch,).
        config: decoding settings.

    Returns:
        One list of ``n_best`` hypotheses per sentence.
    """
    generator = torch.Generator(device=src.device)
    if config.seed is None:
        generator.seed()
    else:
        generator.manual_seed(config.seed)
    n = config.n_best
    draw = partial(_draw, config=config, generator=generator)
    rows = rollout(
        model,
        src.repeat_interleave(n, 0),
        src_lengths.repeat_interleave(n, 0),
        config,
        draw,
    )
    return [
        sorted(rows[i : i + n], key=lambda h: h.score, reverse=True)
        for i in range(0, len(rows), n)
    ]


def _draw(
    log_probs: Tensor, config: DecodeConfig, generator: torch.Generator
) -> Tensor:
    """One token per row from the tempered, filtered distribution, shape (rows,)."""
    logits = log_probs / config.temperature  # rows x vocab
    logits = keep_top_p(keep_top_k(logits, config.top_k), config.top_p)
    probs = torch.softmax(logits, dim=-1)  # rows x vocab
    return torch.multinomial(probs, 1, generator=generator).squeeze(1)


def keep_top_k(logits: Tensor, k: int) -> Tensor:
    """Keep the k highest logits of each row (ties with the k-th too); 0 keeps all.

    Args:
        logits: shape (rows, vocab).
    """
    if k == 0 or k >= logits.size(-1):
        return logits
    kth = logits.topk(k, dim=-1).values[:, -1:]  # rows x 1
    return logits.masked_fill(logits < kth, float("-inf"))


def keep_top_p(logits: Tensor, p: float) -> Tensor:
    """Keep the smallest set of most likely tokens whose probability reaches p.

    The most likely token is always kept, so a tiny p gives greedy choices.

    Args:
        logits: shape (rows, vocab).
        p: probability mass to keep, in (0, 1]; 1 keeps all.
    """
    if p >= 1:
        return logits
    ordered, order = logits.sort(dim=-1, descending=True)  # rows x vocab
    probs = torch.softmax(ordered, dim=-1)  # rows x vocab
    mass_before = probs.cumsum(dim=-1) - probs  # rows x vocab
    drop = torch.empty_like(mass_before, dtype=torch.bool).scatter_(
        1, order, mass_before >= p
    )  # rows x vocab, in vocabulary order
    return logits.masked_fill(drop, float("-inf"))
