"""The HTTP edges, as one small ASGI middleware: a cap on request bodies, and the headers that
keep a browser from misreading or framing what the service sends.

Pure ASGI (no ``BaseHTTPMiddleware``): it adds a few microseconds to a request, where FastAPI's
own middleware layer would cost far more on the hottest routes (``benchmarks/bench_api.py``).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException

__all__ = ["MAX_BODY_BYTES", "Edges"]

MAX_BODY_BYTES = 1_000_000  # JSON bodies here are a few hundred bytes; 1 MB is ample
MAX_UPLOAD_BYTES = 20_000_000  # a file upload (multipart): a list to check, a results workbook
_EVERY_RESPONSE = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# The public pages and the workbench are self-contained: their own inline style, images as
# data, no scripts; only the workbench has forms, and they post to itself.
_PUBLIC_HTML = (b"content-security-policy",
                b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'")  # fmt: skip
_WORKBENCH_HTML = (b"content-security-policy",
                   b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                   b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'")  # fmt: skip
Scope = dict[str, Any]


class Edges:
    """Refuse a request body over ``limit`` bytes, or ``upload_limit`` for a file upload (413),
    and add the security headers."""

    def __init__(
        self, app: Any, limit: int = MAX_BODY_BYTES, upload_limit: int = MAX_UPLOAD_BYTES
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        upload = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.upload_limit if upload else self.limit
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, send, limit)
            return
        policy = _PUBLIC_HTML if scope["path"].startswith("/public/") else \
            _WORKBENCH_HTML if scope["path"].startswith("/workbench") else None  # fmt: skip
        received = 0

        async def counted_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a body sent without its length, or lying about it
                    # FastAPI passes an HTTPException raised while reading the body through to
                    # the handlers (any other error there becomes a 400).
                    raise HTTPException(413, f"the request body exceeds {limit:,} bytes")
            return message

        async def guarded_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + _EVERY_RESPONSE
                if policy and any(k == b"content-type" and v.startswith(b"text/html")
                                  for k, v in headers):  # fmt: skip
                    headers.append(policy)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, counted_receive, guarded_send)


async def _too_large(scope: Scope, send: Any, limit: int) -> None:
    body = json.dumps({
        "type": "/problems/body-too-large", "title": "Content Too Large", "status": 413,
        "detail": f"the request body exceeds {limit:,} bytes", "instance": scope["path"],
    }).encode()  # fmt: skip
    headers = [(b"content-type", b"application/problem+json"),
               (b"content-length", str(len(body)).encode()), *_EVERY_RESPONSE]  # fmt: skip
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
