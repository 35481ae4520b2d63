"""The OpenAPI document: each operation with the roles it admits and every problem it answers.

FastAPI describes the successes; the errors are added here, all RFC 9457 problem details
(:class:`api.errors.ProblemDetails`), in place of FastAPI's own 422 (a body this service never
sends). What an operation may answer follows from its shape — 401 everywhere (a bad key is
refused even where none is needed), 403 where the public is not admitted, 422 with parameters
or a body, 400 and 413 with a body, 503 where it reads the service's state
(:data:`api.deps.NEEDS_STATE`) — and from what its route declares with
``allow(..., errors=...)``: 404, 409, 429. ``tests/api/test_fuzz.py`` holds every response
of generated requests to this document (schemathesis); ``tests/api/test_openapi.py`` checks its
promises one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.auth import API_KEY_SCHEME, PROBLEMS_KEY
from api.deps import NEEDS_STATE
from api.errors import ProblemDetails, problem_responses
from api.path_only import is_path_only

__all__ = ["openapi_document"]

# FastAPI's description of its own 422 body, replaced by problem details on every operation.
_UNUSED = ("HTTPValidationError", "ValidationError")


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's document, built once: roles in each description, every problem declared."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)  # fmt: skip
        components = document.setdefault("components", {})
        components["securitySchemes"] = {"ApiKey": API_KEY_SCHEME}
        schemas = components.setdefault("schemas", {})
        for name in _UNUSED:
            schemas.pop(name, None)
        problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["ProblemDetails"] = problem
        for route, operation in _operations(app, document):
            _describe_roles(operation)
            responses = {**operation["responses"], **problem_responses(_problems(route, operation))}
            operation["responses"] = dict(sorted(responses.items()))
        app.openapi_schema = document
    return app.openapi_schema


def _operations(app: FastAPI, document: dict[str, Any]) -> list[tuple[APIRoute, dict[str, Any]]]:
    paths = document["paths"]
    return [
        (route, paths[route.path_format][method.lower()])
        for route in app.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in sorted(route.methods or ())
        if method.lower() in paths.get(route.path_format, {})
    ]


def _describe_roles(operation: dict[str, Any]) -> None:
    """Each operation's roles written into its description too, where /docs shows them."""
    roles = operation.get("x-roles")
    if roles:
        text = operation.get("description", "")
        operation["description"] = f"{text}\n\n**Roles**: {', '.join(roles)}".strip()


def _problems(route: APIRoute, operation: dict[str, Any]) -> set[int]:
    """The error statuses ``operation`` may answer, besides 405 (a method it does not have)."""
    statuses = {401, *operation.pop(PROBLEMS_KEY, ())}
    if "public" not in operation.get("x-roles", ()):
        statuses.add(403)
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 413}  # a body that cannot be parsed; one over the limit
    if is_path_only(route) or NEEDS_STATE.intersection(_calls(route.dependant)):
        statuses.add(503)
    return statuses


def _calls(dependant: Dependant) -> Iterator[Any]:
    """Every dependency ``dependant`` solves, theirs included."""
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)
