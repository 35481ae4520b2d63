"""A handler for the hottest routes that calls the endpoint without FastAPI's parameter solving.

For every request FastAPI's own handler looks for a body, solves the endpoint's parameters
(``solve_dependencies``: each parameter's source, alias and type looked up again) and then
serialises the return value unless it already is a ``Response``. For an endpoint that takes only
path parameters and the request, and returns a ``Response`` itself, none of that changes the
outcome, yet it cost about 30 µs of a grade lookup's 110 (``benchmarks/profile_api.py``).

Such an endpoint, marked :func:`path_only`, is still declared as a normal typed FastAPI route —
its OpenAPI description, ``response_model`` and fuzz tests are unchanged — but its route calls
it directly, validating each path parameter with the very pydantic field FastAPI built from the
signature. A bad value raises the same :class:`RequestValidationError` with the same errors, so
the 422 problem details are identical. An endpoint that does not fit fails when the app is built.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import fastapi.routing
from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

__all__ = ["is_path_only", "path_only", "path_only_handler"]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_MARKED: set[Callable[..., Any]] = set()


def path_only(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``endpoint`` (under its ``@router.get``) to be called without parameter solving."""
    _MARKED.add(endpoint)
    return endpoint


def is_path_only(route: APIRoute) -> bool:
    return route.endpoint in _MARKED


def path_only_handler(route: APIRoute) -> Handler:
    """The handler FastAPI's would be for ``route``, minus the solving; TypeError if it differs."""
    dependant = _effective_dependant(route)
    endpoint = route.endpoint
    returns = get_typed_return_annotation(endpoint)
    d = dependant
    extra = [d.query_params, d.header_params, d.cookie_params, d.body_params, d.dependencies,
             d.websocket_param_name, d.http_connection_param_name, d.response_param_name,
             d.background_tasks_param_name, d.security_scopes_param_name]  # fmt: skip
    if (
        any(extra)
        or not dependant.request_param_name
        or not inspect.iscoroutinefunction(endpoint)
        or not (isinstance(returns, type) and issubclass(returns, Response))
    ):
        raise TypeError(f"{route.path}: a path_only endpoint is async, takes only path "
                        "parameters and the request, and returns a Response")  # fmt: skip
    request_name = dependant.request_param_name
    fields = [(field, field.alias, ("path", field.alias)) for field in dependant.path_params]

    async def handler(request: Request) -> Response:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for field, alias, loc in fields:
            value, failed = field.validate(request.path_params[alias], values, loc=loc)
            if failed:
                errors.extend(failed)
            else:
                values[field.name] = value
        if errors:
            raise RequestValidationError(errors)
        values[request_name] = request
        response: Response = await endpoint(**values)
        return response

    return handler


def _effective_dependant(route: APIRoute) -> Dependant:
    # Newer FastAPI builds an included route's handler with the inclusion's settings (and any
    # dependencies it adds) in a context variable; older ones copy the route. Either way, check
    # the dependant FastAPI itself would solve, so nothing added at inclusion is skipped.
    context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
    context = context_var.get() if context_var is not None else None
    if context is not None and context.original_route is route and context.dependant:
        return context.dependant
    return route.dependant
