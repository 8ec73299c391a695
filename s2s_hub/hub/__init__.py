"""Sharing models on the Hugging Face Hub: one folder layout, load, export, push."""

from s2s_hub.hub.layout import export
from s2s_hub.hub.loading import load
from s2s_hub.hub.push import push

__all__ = ["export", "load", "push"]
