"""The s2s-hub demo; ``python app.py`` serves it, and so does a Hugging Face Space.

Models come from the bundled ``checkpoints/<task>/`` folders, with the tasks that
``S2S_HUB_MODELS="task=repo-or-path,..."`` names added or replaced
(``S2S_HUB_MODELS_ONLY=1``: those alone); every registered task gets a tab.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from s2s_hub.app import build_demo, launch
from s2s_hub.app.models import tab_models
from s2s_hub.hub.space import default_model_sources

ROOT = Path(__file__).resolve().parent
demo = build_demo(tab_models(sources=default_model_sources(ROOT)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host",
        default=None,
        help="address to serve on (default: Gradio's, 127.0.0.1 or GRADIO_SERVER_NAME)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="port (default: Gradio's, 7860 or GRADIO_SERVER_PORT)",
    )
    parser.add_argument(
        "--share", action="store_true", help="also serve on a public gradio.live link"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    launch(demo, server_name=args.host, server_port=args.port, share=args.share)
