"""The served demo hands out no local file: not the system's, not its own source,
not the model it serves, whatever the path's spelling."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET_FILES = ["/etc/passwd", "/proc/self/environ", str(ROOT / "app.py"), "app.py"]
SPELLINGS = [
    "gradio_api/file={path}",
    "file={path}",  # the route of Gradio 3 and 4
    "gradio_api/file=../../../../../..{path}",
    "gradio_api/file=..%2F..%2F..%2F..%2F..%2F..{encoded}",
    "gradio_api/file={encoded}",
    "static/..%2F..%2F..%2F..%2F..%2F..{encoded}",
    "assets/..%2F..%2F..%2F..%2F..%2F..{encoded}",
]


def get(url: str) -> httpx.Response:
    # a prepared request keeps "../" as written: httpx.get() would resolve it
    with httpx.Client() as client:
        return client.send(client.build_request("GET", url))


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("path", SECRET_FILES)
def test_no_local_file_is_served(demo_url, path, spelling):
    absolute = path if path.startswith("/") else f"/{path}"
    route = spelling.format(path=absolute, encoded=absolute.replace("/", "%2F"))
    response = get(demo_url + route)
    assert response.status_code in (403, 404), (route, response.text[:200])


def test_the_served_model_files_are_not_downloadable(demo_url, toy_model_dir):
    for name in ("model.safetensors", "tokenizer.model", "config.json"):
        response = get(f"{demo_url}gradio_api/file={toy_model_dir / name}")
        assert response.status_code == 403


def test_the_app_s_own_pages_are_served(demo_url):
    assert get(demo_url).status_code == 200
    assert get(f"{demo_url}gradio_api/info").status_code == 200
