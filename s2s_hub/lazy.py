"""Names a package exports, imported from their modules on first use (PEP 562),
so that importing a light module of the package does not import torch."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, homes: dict[str, list[str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that finds each name of
    ``homes`` (``{submodule: [name, ...]}``) in its submodule."""
    where = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{where[name]}"), name)

    return __getattr__
