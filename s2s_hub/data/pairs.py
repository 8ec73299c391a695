"""The unit every task produces: one source text and the target text it maps to,
and what may be done with a pair longer than a model reads."""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

LengthPolicy = Literal["truncate", "filter"]
LENGTH_POLICIES: tuple[str, ...] = get_args(LengthPolicy)


class Pair(NamedTuple):
    source: str
    target: str
