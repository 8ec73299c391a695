"""``decode``: the search that ``DecodeConfig.method`` names, run on a batch."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from s2s_hub.search.beam import beam_search
from s2s_hub.search.config import DecodeConfig
from s2s_hub.search.greedy import greedy_search
from s2s_hub.search.hypothesis import Hypothesis
from s2s_hub.search.protocol import Decodable
from s2s_hub.search.sampling import sample

Search = Callable[[Decodable, Tensor, Tensor, DecodeConfig], list[list[Hypothesis]]]

SEARCHES: dict[str, Search] = {
    "greedy": greedy_search,
    "beam": beam_search,
    "sample": sample,
}


def decode(
    model: Decodable, src: Tensor, src_lengths: Tensor, config: DecodeConfig
) -> list[list[Hypothesis]]:
    """Decode a batch of sources with the method of ``config``.

    Runs under ``torch.inference_mode()``; putting the model in eval mode is the
    caller's job. Every sentence's result is the same as decoding it alone
    (sampling aside, whose random draws are shared by the batch).

    Args:
        model: the model to decode.
        src: token ids, shape (batch, src_len), padded with pad_id.
        src_lengths: real source lengths, shape (batch,).
        config: decoding settings.

    Returns:
        One list of hypotheses per sentence, best score first: one for greedy
        search, ``config.n_best`` for beam search and sampling.
    """
    with torch.inference_mode():
        return SEARCHES[config.method](model, src, src_lengths, config)
