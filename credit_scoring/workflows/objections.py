"""Objections (异议): a subject disputes a record; a reviewer upholds or rejects it.

Filing flags the record (an ``objection_filed`` event; whether a record under objection still
counts is the publicity policy's ``removing_events``, where it is not listed by default). The
deadlines follow the Shanghai regulation: flagged within 1 working day, decided within 5. An
upheld objection removes the record from the decision date on (``objection_upheld``); either
decision re-grades the subject once (:mod:`credit_scoring.workflows.cases`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from credit_scoring.errors import Conflict
from credit_scoring.grading import GradeInForce
from credit_scoring.workflows.cases import decide_case, file_case, list_cases
from credit_scoring.workflows.database import Objection
from credit_scoring.workflows.regrades import Regraded
from credit_scoring.workflows.workspace import Workspace

__all__ = ["decide_objection", "file_objection", "list_objections"]

FLAG_WITHIN = 1  # working days
DECIDE_WITHIN = 5


def file_objection(
    space: Workspace, *, uscc: str, table: str, record_id: str, reason: str, filed_by: str,
    today: dt.date | None = None, in_force: GradeInForce | None = None,
) -> Objection:  # fmt: skip
    """File an objection to one of the subject's records and flag the record."""
    today = today or dt.date.today()
    space.record(uscc, table, record_id)
    same = list_cases(space.engine, Objection, status="pending", uscc=uscc)
    for pending in same:
        if (pending.record_table, pending.record_id, pending.reason, pending.filed_by) == (
            table,
            record_id,
            reason,
            filed_by,
        ):
            raise Conflict(f"objection {pending.id} to this record, with the same reason, is "
                           f"pending; its decision is due {pending.decide_due}")  # fmt: skip
    objection = Objection(
        uscc=uscc, record_table=table, record_id=record_id, reason=reason, filed_by=filed_by,
        filed_on=today, flag_due=space.add_working_days(today, FLAG_WITHIN),
        decide_due=space.add_working_days(today, DECIDE_WITHIN), status="pending",
    )  # fmt: skip
    return file_case(
        space, objection, day=today, actor=filed_by, action="objection_filed",
        details={"record": record_id, "reason": reason}, event=("objection_filed", reason),
        in_force=in_force,
    )  # fmt: skip


def decide_objection(
    space: Workspace, objection_id: int, *, upheld: bool, reviewer: str, note: str,
    today: dt.date | None = None,
) -> tuple[Objection, Regraded]:  # fmt: skip
    """Uphold (the record stops counting from today) or reject; the subject is re-graded."""
    kind = "objection_upheld" if upheld else "objection_rejected"
    return decide_case(
        space, Objection, objection_id, status="upheld" if upheld else "rejected", event=kind,
        reviewer=reviewer, note=note, today=today or dt.date.today(),
    )  # fmt: skip


def list_objections(
    engine: Engine, *, status: str | None = None, overdue_on: dt.date | None = None,
    uscc: str | None = None,
) -> list[Objection]:  # fmt: skip
    """Objections, filtered; ``overdue_on`` keeps the pending ones past their decision deadline."""
    return list_cases(engine, Objection, status=status, uscc=uscc, overdue_on=overdue_on)
