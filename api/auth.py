"""Who is calling: the ``X-API-Key`` header mapped to a role, and each endpoint's allowed roles.

Keys are looked up in memory, in a copy of the workflow database's active keys refreshed every
``key_cache_seconds``: no database round trip on the request path, and a key revoked with
``credit-scoring keys revoke`` stops working within that many seconds in every worker.
"""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.requests import HTTPConnection
from fastapi.security import APIKeyHeader
from sqlalchemy import Engine

from api.errors import Forbidden, NotAuthenticated
from credit_scoring.workflows.keys import KeyInfo, list_keys, matches, parse_token

__all__ = ["Caller", "CallerDep", "KeyRing", "Role", "allow", "authenticate"]


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
    """The active keys by key id, reloaded from the workflow database when stale."""

    def __init__(self, engine: Engine, max_age_seconds: float) -> None:
        self.engine = engine
        self.max_age = max_age_seconds
        self._keys: dict[str, KeyInfo] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def find(self, key_id: str) -> KeyInfo | None:
        self.refresh_if_stale()
        return self._keys.get(key_id)

    def refresh_if_stale(self) -> None:
        # The service's poll loop calls this too, so a request rarely pays for the reload.
        if time.monotonic() - self._loaded_at > self.max_age:
            with self._lock:
                self._keys = {k.key_id: k for k in list_keys(self.engine, active_only=True)}
                self._loaded_at = time.monotonic()


def authenticate(request: HTTPConnection, token: str | None) -> Caller:
    """The caller a token names; no token is the public."""
    if not token:
        return Caller(Role.public)
    parsed = parse_token(token)
    ring: KeyRing = request.app.state.services.keys
    info = ring.find(parsed[0]) if parsed else None
    if parsed is None or info is None or not matches(info, parsed[1]):
        raise NotAuthenticated("the X-API-Key is unknown or revoked")
    return Caller(Role(info.role), info.key_id, info.name)


async def _caller(request: Request) -> Caller:
    caller: Caller = request.state.caller  # set by the route's allow() dependency, run first
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]


class RoleGate(APIKeyHeader):
    """The ``X-API-Key`` security scheme, admitting only ``roles``.

    One dependency authenticates and checks the role, reading the header itself: FastAPI spends
    tens of microseconds per dependency and per declared parameter on every request, which was
    most of the cost of a grade lookup. The caller it finds is kept for ``CallerDep``.
    """

    def __init__(self, roles: tuple[Role, ...]) -> None:
        description = "An API key; without one you are the public role."
        super().__init__(
            name="X-API-Key", scheme_name="ApiKey", auto_error=False, description=description
        )
        self.roles = roles

    async def __call__(self, request: HTTPConnection) -> str | None:
        caller = authenticate(request, request.headers.get("x-api-key"))
        request.state.caller = caller
        if caller.role in self.roles:
            return caller.key_id
        if caller.key_id is None:
            raise NotAuthenticated("this endpoint needs an X-API-Key")
        raise Forbidden(f"role {caller.role} may not call this endpoint")


def allow(*roles: Role) -> dict[str, Any]:
    """Route keyword arguments that admit only ``roles``; the roles also go into OpenAPI."""
    extra: dict[str, Any] = {"x-roles": [str(r) for r in roles]}
    if Role.public in roles:  # the key is optional: no security requirement or the key
        extra["security"] = [{}, {"ApiKey": []}]
    return {"dependencies": [Security(RoleGate(roles))], "openapi_extra": extra}
