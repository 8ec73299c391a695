"""The request guard: bodies over the limit refused before the app reads them."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from s2s_hub.app.guard import BodyLimit

LIMIT = 1000


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"bytes": len(body), "head": body[:5].decode()})


def client() -> TestClient:
    app = Starlette(
        routes=[Route("/", echo, methods=["GET", "POST"])],
        middleware=[Middleware(BodyLimit, limit=LIMIT)],
    )
    return TestClient(app)


def test_a_body_within_the_limit_reaches_the_app_whole():
    response = client().post("/", content=b"hello" + b"x" * (LIMIT - 5))
    assert response.json() == {"bytes": LIMIT, "head": "hello"}
    assert client().get("/").json() == {"bytes": 0, "head": ""}


def test_a_declared_body_over_the_limit_is_refused_unread():
    response = client().post("/", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json()["error"] == (
        f"The request is {LIMIT + 1:,} bytes; the demo takes at most {LIMIT:,}. "
        "Send a shorter text or start a new conversation."
    )


def test_a_streamed_body_is_cut_off_at_the_limit():
    chunks = (b"x" * 300 for _ in range(10))  # no Content-Length: chunked
    response = client().post("/", content=chunks)
    assert response.status_code == 413
    assert "bytes; the demo takes at most 1,000" in response.json()["error"]
