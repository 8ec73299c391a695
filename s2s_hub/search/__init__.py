"""Decoding: turn a model's step distributions into output sequences.

``decode`` is the entry point; it runs greedy search, beam search or sampling as
``DecodeConfig.method`` says, on any model that follows ``Decodable``. The names
below are imported on first use: reading ``DecodeConfig`` (e.g. for ``--help``)
does not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from s2s_hub.lazy import lazy_attributes

if TYPE_CHECKING:
    from s2s_hub.search.beam import beam_search
    from s2s_hub.search.config import METHODS, DecodeConfig
    from s2s_hub.search.greedy import greedy_search
    from s2s_hub.search.hypothesis import Hypothesis, length_penalty
    from s2s_hub.search.protocol import Decodable, SearchState
    from s2s_hub.search.sampling import sample
    from s2s_hub.search.searches import SEARCHES, decode

__all__ = [
    "METHODS",
    "SEARCHES",
    "Decodable",
    "DecodeConfig",
    "SearchState",
    "Hypothesis",
    "beam_search",
    "decode",
    "greedy_search",
    "length_penalty",
    "sample",
]
__getattr__ = lazy_attributes(
    __name__,
    {
        "beam": ["beam_search"],
        "config": ["METHODS", "DecodeConfig"],
        "greedy": ["greedy_search"],
        "hypothesis": ["Hypothesis", "length_penalty"],
        "protocol": ["Decodable", "SearchState"],
        "sampling": ["sample"],
        "searches": ["SEARCHES", "decode"],
    },
)
