"""Load on a served demo: concurrent ``gradio_client`` requests that mix every tab
and decoding method, their outcomes and latencies, and the server's memory.

``app_load.py`` reports it as a benchmark; ``tests/test_app_load.py`` runs
smaller rounds of it as a test.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import wait
from dataclasses import dataclass
from itertools import chain, cycle, islice
from pathlib import Path

import httpx
from gradio_client import Client
from gradio_client.client import Job
from gradio_client.utils import QueueError

from s2s_hub.app.chat import STYLES
from s2s_hub.search.config import METHODS

STATUSES = ("answered", "busy", "error")
TEXTS = (
    "Free software for everyone.",
    "small and simple console-based bandwidth monitor",
    "how are you today?",
    "a b c d e f g h",
    "This package contains the documentation.",
)


@dataclass
class Outcome:
    """One request: which endpoint, how it ended and how long it took."""

    api_name: str
    status: str  # "answered", "busy" (the queue was full) or "error"
    seconds: float
    detail: str = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(
    app_file: Path, port: int, log: Path, models: str | None = None
) -> subprocess.Popen:
    """``python app.py`` (``app_file``) on 127.0.0.1:``port``, serving ``models``
    (an ``S2S_HUB_MODELS`` value, served alone; default: the environment's or the
    bundled ones).

    Its output goes to ``log``: a pipe nobody reads would fill up and stall it.
    """
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    if models:
        env.update(S2S_HUB_MODELS=models, S2S_HUB_MODELS_ONLY="1")
    command = [sys.executable, str(app_file), "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=app_file.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until_up(
    url: str, server: subprocess.Popen, log: Path, timeout: float = 180
) -> None:
    """Block until the demo answers on ``url``; fail early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the demo exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the demo did not answer on {url} within {timeout:.0f} s")


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time process ``pid`` has used, from /proc (Linux)."""
    # the command name (field 2) may hold spaces: count fields after its ")"
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def growth_per_round(rounds: list[dict], last: int = 10) -> float | None:
    """Server memory growth in MiB per round over the ``last`` rounds (least-squares
    slope of ``rss_mib_after``), the figure that says whether memory levels off."""
    memory = [r["rss_mib_after"] for r in rounds if "rss_mib_after" in r][-last:]
    if len(memory) < 2:
        return None
    return round(statistics.linear_regression(range(len(memory)), memory).slope, 2)


def request_mix(client: Client, max_length: int) -> Iterator[tuple[str, tuple]]:
    """Endless (api_name, arguments), every endpoint in turn, each going through
    every decoding method (or reply style) and text."""
    names = sorted(client.view_api(print_info=False, return_format="dict")[
        "named_endpoints"
    ])  # fmt: skip
    per_endpoint = [
        [(name, (text, method, 3, 1.0, 1.0, 0, 1.0, max_length))
         for method in METHODS for text in TEXTS]
        if name.endswith("_predict")
        else [(name, (text, [], style)) for style in STYLES for text in TEXTS]
        for name in names
        if name.endswith(("_predict", "_chat"))
    ]  # fmt: skip
    if not per_endpoint:
        raise RuntimeError("the demo serves no model: give app.py some (--models)")
    endless = (cycle(calls) for calls in per_endpoint)
    return chain.from_iterable(zip(*endless, strict=False))


def send_round(
    client: Client, calls: Iterator[tuple[str, tuple]], n: int, timeout: float
) -> list[Outcome]:
    """Submit ``n`` requests at once and wait for all of them.

    A request's latency runs from the round's start to its answer, queueing
    included: what a visitor waits.
    """
    started = time.perf_counter()
    finished: dict[int, float] = {}
    jobs = []
    for name, args in islice(calls, n):
        job = client.submit(*args, api_name=name)
        job.future.add_done_callback(
            lambda future: finished.setdefault(id(future), time.perf_counter())
        )
        jobs.append((name, job))
    wait([job.future for _, job in jobs], timeout=timeout)
    return [
        outcome(name, job, finished.get(id(job.future), time.perf_counter()) - started)
        for name, job in jobs
    ]


def outcome(name: str, job: Job, seconds: float) -> Outcome:
    try:
        job.result(timeout=0)
    except QueueError as error:
        return Outcome(name, "busy", seconds, str(error))
    except Exception as error:  # whatever it is, the report counts it
        return Outcome(name, "error", seconds, repr(error)[:300])
    return Outcome(name, "answered", seconds)


def summary(outcomes: list[Outcome], wall_seconds: float) -> dict:
    """Counts by status, latency percentiles of answered requests, throughput."""
    done = [o for o in outcomes if o.status == "answered"]
    answered = sorted(o.seconds for o in done)
    quantiles = statistics.quantiles(answered, n=20) if len(answered) > 1 else []
    return {
        "requests": len(outcomes),
        **{status: sum(o.status == status for o in outcomes) for status in STATUSES},
        "p50_s": round(statistics.median(answered), 3) if answered else None,
        "p95_s": round(quantiles[18], 3) if quantiles else None,
        "throughput_per_s": round(len(answered) / wall_seconds, 2),
        "answered_by_api": dict(sorted(Counter(o.api_name for o in done).items())),
        "busy_messages": sorted({o.detail for o in outcomes if o.status == "busy"}),
        "errors": sorted({o.detail for o in outcomes if o.status == "error"}),
    }


def run_rounds(
    url: str, pid: int | None, requests: int, rounds: int, max_length: int,
    timeout: float = 300,
) -> dict:  # fmt: skip
    """Warm up, then ``rounds`` rounds of ``requests`` concurrent requests; with the
    server's ``pid``, its memory after each round and CPU time per answer."""
    client = Client(url, verbose=False, max_workers=requests, analytics_enabled=False)
    calls = request_mix(client, max_length)
    send_round(client, calls, 2, timeout)  # first requests pay one-off costs
    report = {"url": url, "max_length": max_length, "requests": requests}
    if pid is not None:
        report["rss_mib_after_warmup"] = round(rss_mib(pid), 1)
        cpu = cpu_seconds(pid)
    report["rounds"] = []
    for _ in range(rounds):
        started = time.perf_counter()
        outcomes = send_round(client, calls, requests, timeout)
        result = summary(outcomes, time.perf_counter() - started)
        if pid is not None:
            result["rss_mib_after"] = round(rss_mib(pid), 1)
            now = cpu_seconds(pid)
            per_answer = (now - cpu) / max(result["answered"], 1)
            result["server_cpu_s_per_answer"] = round(per_answer, 3)
            cpu = now
        report["rounds"].append(result)
    if pid is not None:
        report["rss_growth_mib_per_round_last_10"] = growth_per_round(report["rounds"])
    return report
