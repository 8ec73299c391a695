"""The unit every task produces: one source text and the target text it maps to."""

from __future__ import annotations

from typing import NamedTuple


class Pair(NamedTuple):
    source: str
    target: str
