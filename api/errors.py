"""Errors of the HTTP layer, in the library's hierarchy, and the one handler that renders every
error as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from credit_scoring.errors import CreditScoringError, Unavailable

__all__ = ["Forbidden", "NotAuthenticated", "ServiceNotReady", "install_handlers"]

PROBLEM = "application/problem+json"


class NotAuthenticated(CreditScoringError):
    """No API key where one is needed, or a key that is unknown or revoked."""

    http_status = 401


class Forbidden(CreditScoringError):
    """A valid key whose role may not call this endpoint."""

    http_status = 403


class ServiceNotReady(Unavailable):
    """No snapshot loaded yet."""


def problem(
    request: Request,
    status: int,
    detail: str,
    kind: str | None = None,
    retry_after: int | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"/problems/{kind}" if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"WWW-Authenticate": "ApiKey"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "5"}
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _on_workbench(request: Request) -> bool:
    return request.url.path.startswith("/workbench/") or request.url.path == "/workbench"


def _kind(error: Exception) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(error).__name__).lower()


def install_handlers(app: FastAPI) -> None:
    """Map every error to problem details; routes never catch and re-raise."""

    @app.exception_handler(CreditScoringError)
    async def library_error(request: Request, error: CreditScoringError) -> Response:
        # Some errors tell the operator where and why (a path, a process) but a caller only what.
        message = getattr(error, "public_detail", None) or (
            error.args[0] if error.args else type(error).__name__
        )
        if _on_workbench(request):  # a person at a browser: a page, not problem details
            from api.workbench.render import error_response  # here: the workbench imports us

            return error_response(request, error.http_status, str(message))
        wait = getattr(error, "retry_after", None)  # a limit says when to come back
        field = getattr(error, "field", None)  # an invalid input names what was wrong
        extra = {"field": field} if field else {}
        return problem(request, error.http_status, str(message), _kind(error), retry_after=wait,
                       **extra)  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"]),
                "reason": e["msg"].removeprefix("Value error, "),
            }
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        if _on_workbench(request):
            from api.workbench.render import error_response

            return error_response(request, 422, f"输入有误：{detail}")
        return problem(request, 422, detail, "validation-error", errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return problem(request, error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # A bug: say so without leaking internals; the server log has the traceback.
        return problem(request, 500, "internal error", "internal-error")
