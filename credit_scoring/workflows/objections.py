"""Objections (异议): a subject disputes a record; a reviewer upholds or rejects it.

Filing flags the record (an ``objection_filed`` event; whether a record under objection still
counts is the publicity policy's ``removing_events``, where it is not listed by default). The
deadlines follow the Shanghai regulation: flagged within 1 working day, decided within 5. An
upheld objection removes the record from the decision date on (``objection_upheld``) and the
subject is re-graded at once; the grades before and after are kept, and everything is audited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit_scoring.errors import CreditScoringError
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import Objection
from credit_scoring.workflows.workspace import WorkflowItemNotFound, Workspace

__all__ = ["AlreadyDecided", "decide_objection", "file_objection", "list_objections"]

FLAG_WITHIN = 1  # working days
DECIDE_WITHIN = 5


class AlreadyDecided(CreditScoringError):
    http_status = 409


def file_objection(
    space: Workspace, *, uscc: str, table: str, record_id: str, reason: str, filed_by: str,
    today: dt.date | None = None,
) -> Objection:  # fmt: skip
    """File an objection to one of the subject's records and flag the record."""
    today = today or dt.date.today()
    space.record(uscc, table, record_id)
    with Session(space.engine, expire_on_commit=False) as session:
        objection = Objection(
            uscc=uscc, record_table=table, record_id=record_id, reason=reason, filed_by=filed_by,
            filed_on=today, flag_due=space.add_working_days(today, FLAG_WITHIN),
            decide_due=space.add_working_days(today, DECIDE_WITHIN), status="pending",
        )  # fmt: skip
        session.add(objection)
        session.flush()
        audit(
            session, actor=filed_by, action="objection_filed", uscc=uscc,
            target=f"objection:{objection.id}", after={"record": record_id, "reason": reason},
        )  # fmt: skip
        space.store.add_event(table, record_id, "objection_filed", today, filed_by, reason)
        session.commit()
    return objection


def decide_objection(
    space: Workspace, objection_id: int, *, upheld: bool, reviewer: str, note: str,
    today: dt.date | None = None,
) -> Objection:  # fmt: skip
    """Uphold or reject; an upheld objection removes the record and re-grades the subject."""
    today = today or dt.date.today()
    with Session(space.engine, expire_on_commit=False) as session:
        objection = session.get(Objection, objection_id)
        if objection is None:
            raise WorkflowItemNotFound(f"no objection {objection_id}")
        if objection.status != "pending":
            raise AlreadyDecided(f"objection {objection_id} was already {objection.status}")
        kind = "objection_upheld" if upheld else "objection_rejected"
        event = (objection.record_table, objection.record_id, kind, reviewer, note)
        before, after = space.regrade(objection.uscc, today, event)
        objection.status = "upheld" if upheld else "rejected"
        objection.decided_by, objection.decided_on, objection.decision_note = reviewer, today, note
        objection.grade_before, objection.grade_after = before, after
        audit(session, actor=reviewer, action=kind, uscc=objection.uscc,
              target=f"objection:{objection_id}", before={"status": "pending", "grade": before},
              after={"status": objection.status, "grade": after, "note": note})  # fmt: skip
        session.commit()
    return objection


def list_objections(
    space: Workspace, *, status: str | None = None, overdue_on: dt.date | None = None,
    uscc: str | None = None,
) -> list[Objection]:  # fmt: skip
    """Objections, filtered; ``overdue_on`` keeps the pending ones past their decision deadline."""
    query = select(Objection).order_by(Objection.id)
    if status:
        query = query.where(Objection.status == status)
    if uscc:
        query = query.where(Objection.uscc == uscc)
    if overdue_on:
        query = query.where(Objection.status == "pending", Objection.decide_due < overdue_on)
    with Session(space.engine, expire_on_commit=False) as session:
        return list(session.scalars(query))
