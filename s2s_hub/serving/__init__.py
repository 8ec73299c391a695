"""Serving a trained model on a CPU: reduced precision and ONNX Runtime.

``s2s_hub.load(path, precision=..., runtime=...)`` reads a model for one of them
(``ServingConfig``); every front end then decodes it with the same search code.
"""

from s2s_hub.serving.config import PRECISIONS, RUNTIMES, ServingConfig

__all__ = ["PRECISIONS", "RUNTIMES", "ServingConfig"]
