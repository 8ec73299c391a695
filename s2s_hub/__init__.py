"""s2s-hub: attention-based RNN sequence-to-sequence models to train, share and demo."""

__version__ = "0.1.0"
