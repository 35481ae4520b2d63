"""The append-only audit trail: every objection, repair, decision and re-grade, hash-chained
(:mod:`credit_scoring.workflows.chain`; ``credit-scoring audit verify`` checks it)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from credit_scoring.workflows.chain import append
from credit_scoring.workflows.database import AuditEntry

__all__ = ["audit_entries", "record", "record_access"]


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    uscc: str | None,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    row: object | None = None,
) -> None:
    """Chain one entry onto the log in the session; it commits with the change it describes, or
    not at all. ``row`` is the case or key the entry decides: its hash as written is kept, so a
    later edit of the row outside the library is found."""
    append(
        session,
        AuditEntry(
            at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            actor=actor,
            action=action,
            uscc=uscc,
            target=target,
            before=_json(before),
            after=_json(after),
        ),
        row,
    )


def audit_entries(engine: Engine, uscc: str | None = None) -> list[dict[str, Any]]:
    """The entries, oldest first, optionally for one subject."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if uscc:
        query = query.where(AuditEntry.uscc == uscc)
    with Session(engine) as session:
        return [
            {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "uscc": e.uscc,
             "target": e.target, "before": _load(e.before), "after": _load(e.after)}
            for e in session.scalars(query)
        ]  # fmt: skip


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _load(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def record_access(
    engine: Engine,
    *,
    actor: str,
    action: str,
    uscc: str | None,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Log one read of personal data, or a change made outside a workflow, on its own."""
    with Session(engine) as session:
        record(session, actor=actor, action=action, uscc=uscc, target=target or (uscc or ""),
               before=before, after=after)  # fmt: skip
        session.commit()
