"""s2s-hub: attention-based RNN sequence-to-sequence models to train, share and demo."""

from __future__ import annotations

from typing import Any

from s2s_hub.version import __version__

__all__ = ["__version__", "load"]


def __getattr__(name: str) -> Any:
    """``s2s_hub.load``, imported on first use: it pulls in torch and the Hub
    client, which ``import s2s_hub`` alone (e.g. for the version) should not."""
    if name == "load":
        from s2s_hub.hub import load

        return load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
