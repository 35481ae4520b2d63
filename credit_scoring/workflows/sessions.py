"""Workbench sign-in sessions: a random token in the browser's cookie, its digest in the database.

A session names the API key that opened it, so it ends when the key is revoked as well as when
it expires; every worker of the service sees the same sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from credit_scoring.workflows.database import WorkbenchSession

__all__ = ["end_session", "open_session", "session_key_id"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, key_id: str, *, hours: float) -> str:
    """A new session for ``key_id``; returns the token (given to the browser once, never kept).
    Sessions that have expired are dropped on the way."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with Session(engine) as session:
        session.execute(delete(WorkbenchSession).where(WorkbenchSession.expires_at <= now))
        session.add(WorkbenchSession(token_sha256=_digest(token), key_id=key_id, created_at=now,
                                     expires_at=now + dt.timedelta(hours=hours)))  # fmt: skip
        session.commit()
    return token


def session_key_id(engine: Engine, token: str) -> str | None:
    """The key a live session was opened with, or None (unknown or expired token)."""
    with Session(engine) as session:
        found = session.scalars(
            select(WorkbenchSession.key_id).where(
                WorkbenchSession.token_sha256 == _digest(token),
                WorkbenchSession.expires_at > _now(),
            )
        ).first()
    return found


def end_session(engine: Engine, token: str) -> None:
    """Sign out: the token opens nothing any more."""
    with Session(engine) as session:
        session.execute(
            delete(WorkbenchSession).where(WorkbenchSession.token_sha256 == _digest(token))
        )
        session.commit()
