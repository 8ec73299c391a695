"""Heat maps drawn to PNG on one thread, for every tab of the demo.

matplotlib caches each font it opens per thread (``font_manager._get_font`` is keyed
by the thread id), and Gradio runs events on a pool of up to 40 worker threads that
come and go: drawing in them grew the served demo by ~13 MiB per round of 50 requests.
A single rendering thread keeps a single cache. The PNG reaches ``gr.Plot`` as the
``PlotData`` the component would have made of the figure, so what the browser and
API clients receive is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from gradio.components.plot import PlotData
from gradio.processing_utils import encode_plot_to_base64
from matplotlib.figure import Figure

RENDERER_NAME = "s2s-hub-heat-map"
_renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=RENDERER_NAME)


def rendered(draw: Callable[[], Figure]) -> PlotData:
    """The PNG of the figure ``draw()`` builds, both done on the rendering thread
    (building it measures text, which opens fonts too)."""
    return _renderer.submit(_png, draw).result()


def _png(draw: Callable[[], Figure]) -> PlotData:
    return PlotData(type="matplotlib", plot=encode_plot_to_base64(draw(), "png"))
