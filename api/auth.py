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

from fastapi import Depends, Header, Request
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
        if time.monotonic() - self._loaded_at > self.max_age:
            with self._lock:
                self._keys = {k.key_id: k for k in list_keys(self.engine, active_only=True)}
                self._loaded_at = time.monotonic()
        return self._keys.get(key_id)


def authenticate(
    request: Request,
    x_api_key: Annotated[
        str | None, Header(description="An API key; without one you are the public role.")
    ] = None,
) -> Caller:
    if not x_api_key:
        return Caller(Role.public)
    parsed = parse_token(x_api_key)
    ring: KeyRing = request.app.state.services.keys
    info = ring.find(parsed[0]) if parsed else None
    if parsed is None or info is None or not matches(info, parsed[1]):
        raise NotAuthenticated("the X-API-Key is unknown or revoked")
    return Caller(Role(info.role), info.key_id, info.name)


CallerDep = Annotated[Caller, Depends(authenticate)]


def allow(*roles: Role) -> dict[str, Any]:
    """Route keyword arguments that admit only ``roles``; the roles also go into OpenAPI."""

    def check(caller: CallerDep) -> None:
        if caller.role in roles:
            return
        if caller.key_id is None:
            raise NotAuthenticated("this endpoint needs an X-API-Key")
        raise Forbidden(f"role {caller.role} may not call this endpoint")

    names = [str(r) for r in roles]
    return {
        "dependencies": [Depends(check)],
        "openapi_extra": {"x-roles": names},
    }
