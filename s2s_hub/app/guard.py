"""What stands between a request and the demo's actions.

- ``BodyLimit``: a request body over ``MAX_REQUEST_BYTES`` is refused with 413
  before any of it is parsed, so no request makes the server hold more than a
  bounded amount of memory (the largest request the demo needs, a full chat
  history, is well under it).
- ``EXCEPTION_HANDLERS``: a call of an API name the demo does not have is a 404
  with one line, not a server error.
- ``GuardedBlocks``: Gradio's own refusals of a request's values (too few of them, a
  value its data model rejects, a file path outside its cache) reach the visitor
  as a readable message and the log as one line, not as a traceback.

``demo.launch`` serves a demo with all three.
"""

from __future__ import annotations

import html
import json
import logging
from typing import Any

import gradio as gr
from gradio.route_utils import FnIndexInferError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from s2s_hub.app.validation import InputError

log = logging.getLogger(__name__)

# 256 KiB: a history of 20 messages of 2,000 four-byte characters (emoji) fits, and
# the objects the largest body parses into stay near 30 MiB
MAX_REQUEST_BYTES = 256 << 10


class BodyLimit:
    """ASGI middleware: reads an HTTP request's body up to ``limit`` bytes before
    the app sees it, and answers 413 (one JSON line) past that."""

    def __init__(self, app: ASGIApp, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send, int(declared))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._refuse(scope, send, size)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, size: int) -> None:
        detail = (
            f"The request is {size:,} bytes; the demo takes at most "
            f"{self.limit:,}. Send a shorter text or start a new conversation."
        )
        log.warning("refused: %s %s: %s", scope["method"], scope["path"], detail)
        body = json.dumps({"error": detail, "title": "Request too large"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class GuardedBlocks(gr.Blocks):
    """``gr.Blocks`` whose refusals of a request's raw values are ``InputError``s:
    one readable message, one log line."""

    def validate_inputs(self, block_fn: Any, inputs: list[Any]) -> None:
        wanted = len(block_fn.inputs)
        if len(inputs) < wanted:
            name = block_fn.api_name or block_fn.name
            raise InputError(
                f"{name} takes {wanted} values, got {len(inputs)}.",
                title="Missing values",
            )

    async def preprocess_data(self, block_fn: Any, inputs: list[Any], *args, **kw):
        try:
            return await super().preprocess_data(block_fn, inputs, *args, **kw)
        except InputError:
            raise
        except (gr.Error, ValueError, TypeError, RecursionError) as error:
            # pydantic's ValidationError is a ValueError; its first two lines say
            # which field and why
            text = error.message if isinstance(error, gr.Error) else str(error)
            reason = " ".join(str(text).strip().splitlines()[:3])[:300]
            reason = html.escape(reason, quote=False)  # it may quote the request
            raise InputError(
                f"The request's values were refused: {reason}", title="Bad request"
            ) from error


async def _unknown_api_name(request: Request, error: Exception) -> JSONResponse:
    log.warning("refused: %s %s: %s", request.method, request.url.path, error)
    body = {"error": f"{error}; see the demo's API page.", "title": "Unknown API"}
    return JSONResponse(body, status_code=404)


EXCEPTION_HANDLERS = {FnIndexInferError: _unknown_api_name}
