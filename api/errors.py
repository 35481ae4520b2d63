"""Errors of the HTTP layer, in the library's hierarchy, and the one handler that renders every
error as RFC 9457 problem details (``application/problem+json``), with the OpenAPI description
of those responses (:class:`ProblemDetails`, :func:`problem_responses`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException
from starlette.routing import Match

from credit_scoring.errors import CreditScoringError, Unavailable

__all__ = [
    "Forbidden",
    "NotAuthenticated",
    "ProblemDetails",
    "ServiceNotReady",
    "install_handlers",
    "problem_responses",
]

PROBLEM = "application/problem+json"


def _absent_when_unset(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # never null: a member a problem lacks is left out


class FieldProblem(BaseModel):
    field: str = Field(description="Where: path.uscc, query.limit, body.reason…")
    reason: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details: the body of every error this service answers."""

    type: str = Field(description="about:blank, or /problems/<kind> (e.g. subject-not-found)")
    title: str = Field(description="The status's phrase")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What was wrong, for a person")
    instance: str = Field(description="The path asked for")
    field: str | SkipJsonSchema[None] = Field(
        None, description="The input that was wrong", json_schema_extra=_absent_when_unset
    )
    errors: list[FieldProblem] | SkipJsonSchema[None] = Field(
        None, description="Each invalid input (a 422 validation-error)",
        json_schema_extra=_absent_when_unset,
    )  # fmt: skip


# Why each status, and the headers it always carries.
_PROBLEMS: dict[int, tuple[str, dict[str, str]]] = {
    400: ("The body cannot be parsed (not JSON, not UTF-8, a broken form)", {}),
    401: ("No X-API-Key where the endpoint needs one, or a key unknown or revoked",
          {"WWW-Authenticate": "ApiKey, the scheme to authenticate with"}),
    403: ("The key's role may not call this endpoint", {}),
    404: ("What the request names does not exist", {}),
    409: ("The request contradicts the state it would change (e.g. decided already)", {}),
    413: ("The request body is over the limit", {}),
    422: ("An input is invalid; `errors` or `field` names it", {}),
    429: ("Too many filings from this address without a key; retry after Retry-After", {
        "Retry-After": "Seconds to wait"}),
    503: ("No snapshot loaded yet, or the store busy with a batch job; retry after Retry-After",
          {"Retry-After": "Seconds to wait"}),
}  # fmt: skip


def problem_responses(statuses: Iterable[int]) -> dict[str, dict[str, Any]]:
    """OpenAPI responses for ``statuses``: problem details, with the headers each carries."""
    responses: dict[str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        description, headers = _PROBLEMS[status]
        response: dict[str, Any] = {
            "description": description,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        if headers:
            response["headers"] = {
                name: {"description": text, "required": True, "schema": {"type": "string"}}
                for name, text in headers.items()
            }
        responses[str(status)] = response
    return responses


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
    headers: dict[str, str] | None = None,
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
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "ApiKey"
    if status == 503:
        headers["Retry-After"] = "5"
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _allowed(request: Request) -> str:
    """The methods of every route at the request's path. Starlette's 405 names only the first
    route's, where GET and POST of one path are two routes here."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\0"})
        if match is Match.PARTIAL:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


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
        headers = dict(error.headers or {})  # a 405's Allow (RFC 9110 requires it)
        if error.status_code == 405:
            headers["Allow"] = _allowed(request)
        return problem(request, error.status_code, str(error.detail), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # A bug: say so without leaking internals; the server log has the traceback.
        return problem(request, 500, "internal error", "internal-error")
