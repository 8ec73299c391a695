"""Greedy search: the most likely token at every step."""

from __future__ import annotations

from torch import Tensor

from s2s_hub.search.config import DecodeConfig
from s2s_hub.search.hypothesis import Hypothesis
from s2s_hub.search.protocol import Decodable
from s2s_hub.search.rollout import rollout


def greedy_search(
    model: Decodable, src: Tensor, src_lengths: Tensor, config: DecodeConfig
) -> list[list[Hypothesis]]:
    """Decode a batch by taking the argmax of each step's allowed tokens.

    Args:
        model: the model to decode.
        src: token ids, shape (batch, src_len), padded with pad_id.
        src_lengths: real source lengths, shape (batch,).
        config: decoding settings; ``min_length``, ``max_length``,
            ``no_repeat_ngram_size`` and ``length_penalty`` (for ``score``) apply.

    Returns:
        One list per sentence holding its single hypothesis.
    """
    outputs = rollout(model, src, src_lengths, config, _argmax)
    return [[hypothesis] for hypothesis in outputs]


def _argmax(log_probs: Tensor) -> Tensor:
    return log_probs.argmax(dim=-1)  # rows
