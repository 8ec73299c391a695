"""The served demo hands out no local file: not the system's, not its own source,
not the model it serves, whatever the path's spelling."""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET_FILES = ["/etc/passwd", "/proc/self/environ", str(ROOT / "app.py")]
SPELLINGS = [
    "gradio_api/file={path}",
    "file={path}",  # the route of Gradio 3 and 4
    "gradio_api/file=../../../../../..{path}",
    "gradio_api/file=..%2F..%2F..%2F..%2F..%2F..{encoded}",
    "gradio_api/file={encoded}",
    "static/..%2F..%2F..%2F..%2F..%2F..{encoded}",
    "assets/..%2F..%2F..%2F..%2F..%2F..{encoded}",
]


def get(base: str, path: str) -> tuple[int, str]:
    """Status and start of the body of GET ``path``, sent exactly as written
    (httpx would resolve the "../" away before sending)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read(200).decode(errors="replace")
    finally:
        connection.close()


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("path", SECRET_FILES)
def test_no_local_file_is_served(demo_url, path, spelling):
    route = spelling.format(path=path, encoded=path.replace("/", "%2F"))
    status, body = get(demo_url, "/" + route)
    assert status in (403, 404), (route, body)


@pytest.mark.parametrize("name", ["app.py", "pyproject.toml", "tests/conftest.py"])
def test_no_file_of_the_working_folder_is_served(demo_url, name, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, body = get(demo_url, f"/gradio_api/file={name}")
    assert status == 403, body


def test_the_served_model_files_are_not_downloadable(demo_url, toy_model_dir):
    for name in ("model.safetensors", "tokenizer.model", "config.json"):
        status, _ = get(demo_url, f"/gradio_api/file={toy_model_dir / name}")
        assert status == 403


def test_the_app_s_own_pages_are_served(demo_url):
    assert get(demo_url, "/")[0] == 200
    assert get(demo_url, "/gradio_api/info")[0] == 200
