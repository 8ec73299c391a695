"""Running one measurement in a child process: thread count, limits, peak memory.

Every measurement runs in a fresh process, so that one toolkit's allocations and
thread pools never leak into the other's numbers, and so that the peak resident set
of a training run is that run's alone: it is the ``ru_maxrss`` that ``wait4`` returns
for exactly that child (and whatever children it waited for). A watchdog polls the
child's ``VmRSS`` and kills it above a memory guard, and kills it past a time limit;
the records it had written before stay readable.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from instruments import read_records

GIB = 2**30


@dataclass
class WorkerRun:
    """What a finished worker left behind.

    Attributes:
        records: the JSON records it wrote.
        peak_rss_gib: the child's peak resident set (wait4's ru_maxrss).
        seconds: wall-clock time of the whole process.
        returncode: its exit code (negative: killed by that signal).
        killed: why the watchdog killed it ("" if it did not).
        log: its stdout and stderr.
    """

    records: list[dict[str, Any]]
    peak_rss_gib: float
    seconds: float
    returncode: int
    killed: str
    log: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.killed

    def failure(self) -> str:
        """One line saying why the worker failed, with its log's last line."""
        if self.ok:
            return ""
        tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        why = self.killed or f"exit code {self.returncode}"
        return f"{why}; see {self.log} ({tail[0][:200]})"


def thread_env(threads: int) -> dict[str, str]:
    """The environment of a worker limited to ``threads`` compute threads."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(threads)
    env["TOKENIZERS_PARALLELISM"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_worker(
    argv: list[str],
    records: Path,
    log: Path,
    threads: int,
    rss_limit_gib: float,
    timeout_s: float,
) -> WorkerRun:
    """Run ``argv`` to completion under the guards; see the module docstring."""
    records.unlink(missing_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=thread_env(threads),
            start_new_session=True,
        )
        done = threading.Event()
        killed: list[str] = []
        watchdog = threading.Thread(
            target=_watch,
            args=(process.pid, rss_limit_gib, timeout_s, done, killed),
            daemon=True,
        )
        watchdog.start()
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        watchdog.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    run = WorkerRun(
        records=read_records(records),
        peak_rss_gib=round(usage.ru_maxrss * 1024 / GIB, 3),  # Linux: KiB
        seconds=round(time.perf_counter() - started, 1),
        returncode=process.returncode,
        killed=killed[0] if killed else "",
        log=log,
    )
    summary = {k: v for k, v in asdict(run).items() if k not in ("records", "log")}
    _summary_path(records).write_text(json.dumps(summary) + "\n")
    return run


def load_worker_run(records: Path, log: Path) -> WorkerRun:
    """A finished worker's result, read back from its records and the summary that
    ``run_worker`` wrote next to them (``compare.py --report_only``)."""
    summary = _summary_path(records)
    if not summary.exists():
        raise FileNotFoundError(f"no worker summary {summary}: did the worker finish?")
    return WorkerRun(
        records=read_records(records), log=log, **json.loads(summary.read_text())
    )


def _summary_path(records: Path) -> Path:
    return records.with_suffix(".run.json")


def _watch(
    pid: int, limit_gib: float, timeout_s: float, done: threading.Event, killed: list
) -> None:
    started = time.monotonic()
    while not done.wait(0.5):
        rss = _rss_gib(pid)
        if rss > limit_gib:
            killed.append(f"killed by the memory guard at {rss:.1f} GiB")
        elif time.monotonic() - started > timeout_s:
            killed.append(f"killed after the {timeout_s:.0f} s time limit")
        else:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # the worker's own session, started above
        return


def _rss_gib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / GIB
    return 0.0


def python_of(venv: Path | None) -> str:
    """The interpreter of ``venv``, or the one running this script."""
    return str(venv / "bin" / "python") if venv else sys.executable
