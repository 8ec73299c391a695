"""The served demo under load: two rounds of 50 concurrent requests.

``python app.py`` runs as its own process, every tab backed by the toy model, and
``bench/app_rounds.py`` drives it (as ``bench/app_load.py`` does): every request is
answered or turned away with the queue's "full" message, the server stays up, and
its memory levels off.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app_rounds
from gradio_client import Client

from s2s_hub.app.demo import QUEUE_SIZE

ROOT = Path(__file__).resolve().parents[1]
app_load = app_rounds()
REQUESTS = 50
# Memory grows while it fills bounded caches: matplotlib keeps the fonts of each
# thread that rendered a heat map (64 threads at most, ~5 MiB each), and new
# threads get allocator arenas. Two rounds must stay within that, and the second
# must add less than the first.
MAX_GROWTH_MIB = 64 * 5 + 160


@pytest.fixture(scope="module")
def server(toy_models_spec: str, tmp_path_factory) -> Iterator[tuple]:
    """(url, process, log) of ``python app.py`` on a free local port."""
    port = app_load.free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    process = app_load.start_app(ROOT / "app.py", port, log, toy_models_spec)
    url = f"http://127.0.0.1:{port}/"
    try:
        app_load.wait_until_up(url, process, log)
        yield url, process, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_every_request_is_answered_or_told_the_queue_is_full(server):
    url, process, log = server
    report = app_load.run_rounds(url, process.pid, REQUESTS, rounds=2, max_length=6)
    client = Client(url, verbose=False)
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    decoding = {name for name in named if name.endswith(("_predict", "_chat"))}
    for result in report["rounds"]:
        assert result["error"] == 0, result["errors"]
        assert result["answered"] + result["busy"] == REQUESTS
        assert result["answered"] >= QUEUE_SIZE  # all the queue can hold
        assert set(result["busy_messages"]) <= {"Queue is full! Please try again."}
        assert set(result["answered_by_api"]) == decoding  # every tab, mixed
        assert result["server_cpu_s_per_answer"] > 0
    before = report["rss_mib_after_warmup"]
    first, second = (result["rss_mib_after"] for result in report["rounds"])
    assert second - first < first - before, report
    assert second - before < MAX_GROWTH_MIB, report
    assert process.poll() is None and "Traceback" not in log.read_text()
    settings = ("greedy", 1, 1.0, 1.0, 0, 1.0, 6)
    output, _, _ = client.predict("a b c", *settings, api_name="/reverse_predict")
    assert isinstance(output, str)  # still serving


def test_cpu_time_of_a_process_grows_while_it_works():
    before = app_load.cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    assert app_load.cpu_seconds(os.getpid()) - before >= 0.1


def test_memory_growth_is_the_slope_over_the_last_rounds():
    rounds = [{"rss_mib_after": mib} for mib in (100, 200, 300, 301, 302, 303)]
    assert app_load.growth_per_round(rounds, last=4) == 1.0
    assert app_load.growth_per_round(rounds[:1]) is None
