"""The demo under load: concurrent requests from ``gradio_client``, latency and memory.

Starts ``python app.py`` on 127.0.0.1 (or uses a running demo given by ``--url``),
sends rounds of concurrent requests that mix every tab and decoding method, and
writes p50/p95 latency, throughput, how many requests were answered or turned away
by the full queue, and the server's memory after each round as JSON.

    python bench/app_load.py --models "reverse=./my-model,dialogue=./my-model"
    python bench/app_load.py --url http://127.0.0.1:7860/ --requests 100

The rounds are ``app_rounds.py``'s; ``tests/test_app_load.py`` runs them
smaller, as a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from app_rounds import free_port, run_rounds, start_app, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "app_load.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running demo (default: start app.py)")
    parser.add_argument("--models", help="S2S_HUB_MODELS for the started app.py")
    parser.add_argument("--requests", type=int, default=50, help="per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max_length", type=int, default=30)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.url:
        report = run_rounds(args.url, None, args.requests, args.rounds, args.max_length)
    else:
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "app.log"
            server = start_app(ROOT / "app.py", port, log, args.models)
            try:
                wait_until_up(url, server, log)
                report = run_rounds(
                    url, server.pid, args.requests, args.rounds, args.max_length
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
        report["models"] = args.models or "app.py's default"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
