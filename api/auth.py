"""Who is calling: the ``X-API-Key`` header mapped to a role, and each endpoint's allowed roles.

Keys are looked up in memory, in a copy of the workflow database's active keys refreshed every
``key_cache_seconds``: no database round trip on the request path, and a key revoked with
``credit-scoring keys revoke`` stops working within that many seconds in every worker.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.requests import HTTPConnection
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from api.errors import Forbidden, NotAuthenticated
from api.path_only import is_path_only, path_only_handler
from credit_scoring.workflows.keys import (
    KeyInfo,
    canonical_token,
    list_keys,
    matches,
    parse_token,
)

__all__ = [
    "API_KEY_SCHEME",
    "PROBLEMS_KEY",
    "Caller",
    "CallerDep",
    "KeyRing",
    "Role",
    "RoleRoute",
    "admit",
    "allow",
    "authenticate",
]


class Role(enum.StrEnum):
    public = "public"
    regulator = "regulator"
    reviewer = "reviewer"
    analyst = "analyst"
    admin = "admin"


EVERYONE = tuple(Role)


@dataclass(frozen=True)
class Caller:
    role: Role
    key_id: str | None = None
    name: str = "public"

    @property
    def sees_personal_data(self) -> bool:
        """Only reviewers see legal representatives' IDs and natural persons' names."""
        return self.role is Role.reviewer

    @property
    def actor(self) -> str:
        """How the audit log names the caller."""
        return f"{self.name} (key {self.key_id}, {self.role})" if self.key_id else "public"


class KeyRing:
    """The active keys by key id, reloaded from the workflow database when stale.

    A token whose secret matched is remembered, with its caller, until the next reload: the next
    request with it skips the hash and the parsing. A reload starts afresh, so a revoked key
    still stops working within ``max_age_seconds``; only well-formed tokens of active keys are
    remembered, one per key, so the memo cannot grow with what callers send.
    """

    def __init__(self, engine: Engine, max_age_seconds: float) -> None:
        self.engine = engine
        self.max_age = max_age_seconds
        # The keys and the verified tokens, swapped as one tuple so a reader sees matching pairs.
        self._state: tuple[dict[str, KeyInfo], dict[str, Caller]] = ({}, {})
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def caller(self, token: str) -> Caller | None:
        """The caller an ``X-API-Key`` token names, or None for an unknown or revoked key."""
        self.refresh_if_stale()
        keys, verified = self._state
        known = verified.get(token)
        if known is not None:
            return known
        parsed = parse_token(token)
        info = keys.get(parsed[0]) if parsed else None
        if parsed is None or info is None or not matches(info, parsed[1]):
            return None
        caller = Caller(Role(info.role), info.key_id, info.name)
        if token == canonical_token(*parsed):  # one entry per key, whatever else is sent
            verified[token] = caller
        return caller

    def caller_by_key_id(self, key_id: str) -> Caller | None:
        """The caller of an active key by its id (a workbench session names its key)."""
        self.refresh_if_stale()
        info = self._state[0].get(key_id)
        return Caller(Role(info.role), info.key_id, info.name) if info else None

    def refresh_if_stale(self) -> None:
        # The service's poll loop calls this too, so a request rarely pays for the reload.
        if time.monotonic() - self._loaded_at > self.max_age:
            with self._lock:
                keys = {k.key_id: k for k in list_keys(self.engine, active_only=True)}
                self._state = (keys, {})
                self._loaded_at = time.monotonic()


def authenticate(request: HTTPConnection, token: str | None) -> Caller:
    """The caller a token names; no token is the public."""
    if not token:
        return Caller(Role.public)
    ring: KeyRing = request.app.state.services.keys
    caller = ring.caller(token)
    if caller is None:
        raise NotAuthenticated("the X-API-Key is unknown or revoked")
    return caller


async def _caller(request: Request) -> Caller:
    caller: Caller = request.state.caller  # set by RoleRoute before the handler runs
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]


def admit(request: Request, roles: tuple[Role, ...]) -> Caller:
    """The caller, if its role is among ``roles``; else 401 (no or bad key) or 403."""
    caller = authenticate(request, request.headers.get("x-api-key"))
    request.state.caller = caller
    if caller.role in roles:
        return caller
    if caller.key_id is None:
        raise NotAuthenticated("this endpoint needs an X-API-Key")
    raise Forbidden(f"role {caller.role} may not call this endpoint")


class RoleRoute(APIRoute):
    """A route that admits only the roles it declares (``**allow(...)``), before anything else.

    The check wraps the route's handler rather than being a FastAPI dependency: solving a
    dependency costs tens of microseconds per request, most of a grade lookup's cost. A route
    that declares no roles fails when the app is built, so none can be left open by mistake.
    An endpoint marked :func:`~api.path_only.path_only` gets that module's handler, which skips
    FastAPI's parameter solving; the role check wraps it all the same.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared = (self.openapi_extra or {}).get("x-roles")
        if not declared:
            raise TypeError(f"{self.path} declares no roles: add **allow(...) to its decorator")
        roles = tuple(Role(r) for r in declared)
        handler = path_only_handler(self) if is_path_only(self) else super().get_route_handler()

        async def admitted(request: Request) -> Response:
            admit(request, roles)
            return await handler(request)

        return admitted


# Where allow() leaves an endpoint's errors for api/openapi.py, which turns them into responses.
PROBLEMS_KEY = "x-problems"


def allow(*roles: Role, errors: Iterable[int] = ()) -> dict[str, Any]:
    """Route keyword arguments that admit only ``roles``; the roles go into OpenAPI, and with
    them ``errors``, the problems the endpoint answers besides those its shape implies (400,
    401, 403, 413, 422, 503: see :mod:`api.openapi`), such as 404, 409 or 429."""
    security: list[dict[str, list[str]]] = [{"ApiKey": []}]
    if Role.public in roles:  # the key is optional: no requirement, or the key
        security = [{}, *security]
    extra: dict[str, Any] = {"x-roles": [str(r) for r in roles], "security": security}
    if errors:
        extra[PROBLEMS_KEY] = sorted(set(errors))
    return {"openapi_extra": extra}


API_KEY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-API-Key",
    "description": "An API key; without one you are the public role.",
}
