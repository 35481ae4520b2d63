"""Review cases — objections (异议) and credit-repair applications (信用修复) — on one path.

A case is filed against one of the subject's records with a decision deadline in working days
and the grade in force at filing; a reviewer decides it once. Deciding appends the decision's
event to the store (which may remove the record from grading), re-grades the subject once with
the workspace's grader, saves that re-grade so the HTTP service serves it at once (whichever
door the decision came through), keeps the grades before and after, and audits every step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from credit_scoring.errors import AlreadyDecided, WorkflowItemNotFound
from credit_scoring.explain.explanation import Explanation
from credit_scoring.grading import GradeInForce
from credit_scoring.snapshots.serving import Regraded
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import _ReviewCase
from credit_scoring.workflows.regrades import regrade_subject
from credit_scoring.workflows.workspace import Workspace

__all__ = ["decide_case", "file_case", "get_case", "list_cases", "preview_decision"]

Case = TypeVar("Case", bound=_ReviewCase)


def file_case(
    space: Workspace, case: Case, *, day: dt.date, actor: str, action: str,
    details: dict[str, Any], event: tuple[str, str] | None = None,
    in_force: GradeInForce | None = None,
) -> Case:  # fmt: skip
    """Store a new ``case`` (its record already checked), audited as ``action``.

    ``event`` (type, note) is appended to the store on filing, e.g. ``objection_filed``, which
    flags the record. ``in_force`` is the grade being served, when the caller serves one (the
    HTTP service); otherwise the subject is graded as of the filing day. It is kept as the
    grade before, with its date and scorer.
    """
    if in_force is None:
        in_force = GradeInForce.of(space.grading().explain(space.store, case.uscc, as_of=day))
    case.grade_before, case.before_as_of, case.before_scorer = in_force
    with Session(space.engine, expire_on_commit=False) as session:
        session.add(case)
        session.flush()
        audit(session, actor=actor, action=action, uscc=case.uscc, target=_target(case),
              after={**details, "status": case.status, "grade": in_force.grade},
              row=case)  # fmt: skip
        if event is not None:
            space.store.add_event(case.record_table, case.record_id, event[0], day, actor, event[1])
        session.commit()
    return case


def decide_case(
    space: Workspace, kind: type[Case], case_id: int, *, status: str, event: str | None,
    reviewer: str, note: str, today: dt.date,
) -> tuple[Case, Regraded]:  # fmt: skip
    """Decide the pending case ``case_id``: set ``status``, append ``event`` (if any) to the
    store, re-grade the subject once, save the re-grade and audit the decision."""
    with Session(space.engine, expire_on_commit=False) as session:
        case = session.get(kind, case_id)
        if case is None:
            raise WorkflowItemNotFound(f"no {kind.noun} {case_id}")
        if case.status != "pending":
            raise AlreadyDecided(f"{kind.noun} {case_id} is {case.status}, not pending")
        if event is not None:
            space.store.add_event(case.record_table, case.record_id, event, today, reviewer, note)
        regraded = regrade_subject(space.store, space.engine, case.uscc, day=today,
                                   grader=space.grading(), actor=reviewer)  # fmt: skip
        case.status, case.decided_by, case.decided_on = status, reviewer, today
        case.decision_note = note
        case.grade_after, case.after_as_of, case.after_scorer = GradeInForce.of(regraded)
        audit(session, actor=reviewer, action=f"{kind.noun}_{status}", uscc=case.uscc,
              target=_target(case), before={"status": "pending", "grade": case.grade_before},
              after={"status": status, "grade": case.grade_after, "note": note},
              row=case)  # fmt: skip
        session.commit()
    return case, regraded


def list_cases(
    engine: Engine, kind: type[Case], *, status: str | None = None, uscc: str | None = None,
    overdue_on: dt.date | None = None,
) -> list[Case]:  # fmt: skip
    """Cases of ``kind``, oldest first; ``overdue_on`` keeps the pending ones past their
    decision deadline on that day. Only the workflow database is read, never the store."""
    query = select(kind).order_by(kind.id)
    if status:
        query = query.where(kind.status == status)
    if uscc:
        query = query.where(kind.uscc == uscc)
    if overdue_on:
        query = query.where(kind.status == "pending", kind.decide_due < overdue_on)
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query))


def preview_decision(
    space: Workspace, case: _ReviewCase, *, event: str, today: dt.date
) -> Explanation:
    """The grade the subject would get today were ``case`` decided with ``event`` (e.g.
    ``objection_upheld``): graded as if the event were stored, with nothing written."""
    return space.grading().explain(
        space.store, case.uscc, as_of=today,
        hypothetical_events=[(case.record_table, case.record_id, event, today)],
    )  # fmt: skip


def get_case(engine: Engine, kind: type[Case], case_id: int) -> Case:
    """One case by id; ``WorkflowItemNotFound`` if there is none."""
    with Session(engine, expire_on_commit=False) as session:
        case = session.get(kind, case_id)
    if case is None:
        raise WorkflowItemNotFound(f"no {kind.noun} {case_id}")
    return case


def _target(case: _ReviewCase) -> str:
    return f"{case.noun}:{case.id}"
