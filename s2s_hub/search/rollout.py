"""The one-token-per-row decoding loop shared by greedy search and sampling.

Both methods extend every row by exactly one token per step and differ only in how
that token is chosen, so the loop takes the choice as a function.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from s2s_hub.search.config import DecodeConfig
from s2s_hub.search.constraints import constrain
from s2s_hub.search.hypothesis import Hypothesis, make_hypothesis
from s2s_hub.search.protocol import Decodable

Pick = Callable[[Tensor], Tensor]
"""Chooses one token per row from constrained log-probs, (rows, vocab) -> (rows,)."""


def rollout(
    model: Decodable,
    src: Tensor,
    src_lengths: Tensor,
    config: DecodeConfig,
    pick: Pick,
) -> list[Hypothesis]:
    """Decode every row until it emits eos or reaches ``config.max_length``.

    Rows that ended are fed their eos, then pad_id, and their outputs are ignored
    until all rows have ended, so no row's result depends on the others.

    Args:
        model: the model to decode.
        src: token ids, shape (rows, src_len).
        src_lengths: real source lengths, shape (rows,).
        config: the decoding settings.
        pick: the token choice of the method.

    Returns:
        One hypothesis per row of ``src``.
    """
    rows = src.size(0)
    state = model.encode(src, src_lengths)
    history = src.new_full((rows, 1), model.bos_id)  # rows x 1
    attention = torch.zeros(rows, 0, src.size(1), device=src.device)  # rows x 0 x S
    log_prob = torch.zeros(rows, device=src.device)  # rows
    ended = torch.zeros(rows, dtype=torch.bool, device=src.device)  # rows
    for _ in range(config.max_length):
        log_probs, step_attention, state = model.step(history[:, -1], state)
        allowed = constrain(log_probs, history[:, 1:], config, model.eos_id)
        # an ended row's choice is discarded; give it a valid distribution to pick from
        allowed = allowed.masked_fill(ended.unsqueeze(1), 0.0)  # rows x vocab
        token = pick(allowed).masked_fill(ended, model.pad_id)  # rows
        chosen = log_probs.gather(1, token.unsqueeze(1)).squeeze(1)  # rows
        log_prob += chosen.masked_fill(ended, 0.0)
        history = torch.cat([history, token.unsqueeze(1)], dim=1)  # rows x (steps + 1)
        attention = torch.cat([attention, step_attention.float().unsqueeze(1)], dim=1)
        ended |= token == model.eos_id
        if ended.all():
            break
    return [
        make_hypothesis(
            _until_eos(history[row, 1:].tolist(), model.eos_id),
            log_prob[row].item(),
            attention[row],
            int(src_lengths[row]),
            model.eos_id,
            config.length_penalty,
        )
        for row in range(rows)
    ]


def _until_eos(tokens: list[int], eos_id: int) -> list[int]:
    """The tokens up to and including the first eos (all of them if none)."""
    return tokens[: tokens.index(eos_id) + 1] if eos_id in tokens else tokens
