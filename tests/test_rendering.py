"""Heat maps are drawn on one thread, whichever worker thread asks."""

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

import torch

from s2s_hub.app.plots import attention_figure
from s2s_hub.app.rendering import RENDERER_NAME, rendered

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_heat_map_arrives_as_the_png_gr_plot_shows():
    plot = rendered(lambda: attention_figure(torch.eye(2), ["a", "b"], ["x", "y"]))
    assert plot.type == "matplotlib"
    header, data = plot.plot.split(",", 1)
    assert header == "data:image/png;base64"
    assert base64.b64decode(data).startswith(PNG_SIGNATURE)


def test_figures_are_built_and_drawn_on_one_thread_for_every_caller():
    drawn_on: set[str] = set()

    def draw():
        drawn_on.add(threading.current_thread().name)
        return attention_figure(torch.full((1, 2), 0.5), ["a", "b"], ["x"])

    with ThreadPoolExecutor(max_workers=8) as callers:
        plots = list(callers.map(lambda _: rendered(draw), range(16)))
    assert len(plots) == 16
    assert len(drawn_on) == 1
    assert drawn_on.pop().startswith(RENDERER_NAME)
