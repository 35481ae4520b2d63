"""Credit commitments verified (信用承诺闭环): which fall due, and the outcome recorded.

A commitment of a verified type (``models/workflows.yaml``: 告知承诺 by default) falls due for
verification on its term (``due_date``), or a number of working days after signing when it has
none; the department records the outcome — fulfilled or breached — within a further number of
working days, on the official calendar. The outcome changes the commitment in the store as an
ingested correction would (:mod:`credit_scoring.records.revisions`): ``fulfilment`` and
``verified_date`` set, the pending version kept in ``commitments_history``. So the features
count a breach from its verification date on and never before, the snapshot's standing records
carry it (measure P08 of ``models/measures.yaml``: no approval by commitment for a period), and
list identification reads it like any breach. The subject is re-graded at once and the re-grade
served, as after a review decision; each verification is a row of ``commitment_verifications``
with its audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Date, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit_scoring.errors import Conflict, InvalidInput, RecordNotFound
from credit_scoring.grading import GradeInForce
from credit_scoring.policies.publicity import load_publicity_policy
from credit_scoring.policies.workflows import (
    CommitmentRules,
    WorkflowPolicy,
    check_day,
    load_workflow_policy,
)
from credit_scoring.records.contract import TABLES
from credit_scoring.records.revisions import current_record, write_record
from credit_scoring.records.store import Store
from credit_scoring.records.workdays import WorkdayCalendar
from credit_scoring.snapshots.serving import Regraded
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import Base
from credit_scoring.workflows.regrades import regrade_subject
from credit_scoring.workflows.workspace import Workspace

__all__ = [
    "OUTCOMES",
    "AlreadyVerified",
    "CommitmentVerification",
    "commitments_due",
    "list_verifications",
    "verify_commitment",
]

OUTCOMES = ("fulfilled", "breached")
Outcome = Literal["fulfilled", "breached"]
DUE_COLUMNS = ["record_id", "uscc", "name", "commitment_type", "domain", "signed_date",
               "due_date", "due_on", "verify_by", "late"]  # fmt: skip


class AlreadyVerified(Conflict):
    """The commitment's outcome is already recorded; a verification is final (an error in it
    is corrected through an objection, like any record)."""


class CommitmentVerification(Base):
    """One verification: the commitment, when it fell due, the outcome, who recorded it, and
    the subject's grade before and after (the re-grade the outcome caused)."""

    __tablename__ = "commitment_verifications"
    noun: ClassVar[str] = "commitment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    commitment_type: Mapped[str] = mapped_column(String(32))
    signed_date: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)  # the verification fell due then
    verify_by: Mapped[dt.date] = mapped_column(Date)  # its outcome was due by then
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    verified_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    store_run: Mapped[str] = mapped_column(String(64))  # the store's run that wrote the outcome
    grade_before: Mapped[str | None] = mapped_column(String(1))
    grade_after: Mapped[str | None] = mapped_column(String(1))
    after_scorer: Mapped[str | None] = mapped_column(String(64))


def commitments_due(
    store: Store, *, as_of: dt.date, within_days: int = 0, policy: WorkflowPolicy | None = None
) -> pd.DataFrame:
    """Commitments of a verified type still unverified at ``as_of`` whose verification falls
    due by ``as_of + within_days``, the earliest deadline first.

    Columns :data:`DUE_COLUMNS`: ``due_on`` (the term, else signing plus the policy's working
    days), ``verify_by`` (the outcome's deadline, working days after ``due_on``) and ``late``
    (that deadline has passed). A commitment withdrawn by an event (an upheld objection, a
    revocation) by ``as_of`` is not listed.

    Examples
    --------
    >>> commitments_due(store, as_of=dt.date(2026, 10, 9))  # doctest: +SKIP
    """
    rules = (policy or load_workflow_policy()).commitments
    check_day(as_of)
    if not 0 <= within_days <= 3660:
        raise InvalidInput(f"within_days must lie in [0, 3660]; got {within_days}",
                           field="within_days")  # fmt: skip
    removing = list(load_publicity_policy().removing("commitments"))
    # Unverified at as_of: still pending, or verified only later (the pending version then).
    rows = store.con.execute(
        """SELECT c.record_id, c.uscc, s.name, c.commitment_type, c.domain, c.signed_date,
                  c.due_date
           FROM commitments c LEFT JOIN subjects s USING (uscc)
           WHERE list_contains(?, c.commitment_type) AND c.signed_date <= ?
             AND (c.fulfilment = 'pending' OR c.verified_date > ?)
             AND NOT EXISTS (SELECT 1 FROM record_events e
                             WHERE e."table" = 'commitments' AND e.record_id = c.record_id
                               AND list_contains(?, e.event_type) AND e.event_date <= ?)""",
        [list(rules.verified_types), as_of, as_of, removing, as_of],
    ).df()
    if rows.empty:  # "late" stays boolean: filtering on it keeps the columns, as when not empty
        return pd.DataFrame(columns=DUE_COLUMNS).astype({"late": bool})
    signed = pd.to_datetime(rows["signed_date"]).to_numpy("datetime64[D]")
    term = pd.to_datetime(rows["due_date"]).to_numpy("datetime64[D]")
    horizon = np.datetime64(as_of + dt.timedelta(days=within_days), "D")
    terms = term[~np.isnat(term)]
    last = max(horizon, terms.max()) if terms.size else horizon
    calendar = _calendar(signed.min().item(), last.item(), rules)
    due_on = np.where(
        np.isnat(term), calendar.add_many(signed, rules.due_without_term_working_days), term
    )
    rows = rows[due_on <= horizon].assign(due_on=due_on[due_on <= horizon])
    verify_by = calendar.add_many(rows["due_on"].to_numpy("datetime64[D]"),
                                  rules.record_within_working_days)  # fmt: skip
    rows = rows.assign(verify_by=verify_by, late=verify_by < np.datetime64(as_of, "D"))
    for column in ("signed_date", "due_date", "due_on", "verify_by"):
        rows[column] = pd.to_datetime(rows[column]).dt.date
    rows = rows.sort_values(["verify_by", "record_id"], kind="stable").reset_index(drop=True)
    return rows[DUE_COLUMNS]


def verify_commitment(
    space: Workspace, record_id: str, *, outcome: str, actor: str, note: str = "",
    uscc: str | None = None, verified_on: dt.date | None = None, today: dt.date | None = None,
    in_force: GradeInForce | Callable[[str], GradeInForce | None] | None = None,
    policy: WorkflowPolicy | None = None,
) -> tuple[CommitmentVerification, Regraded]:  # fmt: skip
    """Record the outcome of one commitment, fulfilled or breached, as of ``verified_on``.

    The commitment in the store gets the outcome and its date (the pending version goes to
    history), the subject is re-graded once and the verification audited. ``uscc``, when
    given, must be the commitment's subject. ``in_force`` is the grade being served when the
    caller serves one (or how to look it up by USCC); otherwise the subject is graded today.
    """
    today = today or dt.date.today()
    verified_on = verified_on or today
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {list(OUTCOMES)}; got {outcome!r}",
                           field="outcome")  # fmt: skip
    table = TABLES["commitments"]
    row = current_record(space.store, table, record_id)
    if uscc is not None and row["uscc"] != uscc:
        raise RecordNotFound(f"no commitment {record_id!r} of subject {uscc}")
    if row["fulfilment"] != "pending":
        raise AlreadyVerified(f"commitment {record_id} was verified {row['fulfilment']} on "
                              f"{row['verified_date']}; a verification is final")  # fmt: skip
    if not row["signed_date"] <= verified_on <= today:
        raise InvalidInput(f"the verification date {verified_on} must lie between the signing "
                           f"({row['signed_date']}) and today ({today})",
                           field="verified_on")  # fmt: skip
    due_on, verify_by = _deadlines(space, row, policy or load_workflow_policy())
    if callable(in_force):
        in_force = in_force(row["uscc"])
    if in_force is None:
        in_force = GradeInForce.of(space.grading().explain(space.store, row["uscc"], as_of=today))
    with Session(space.engine, expire_on_commit=False) as session:
        verification = CommitmentVerification(
            record_id=record_id, uscc=row["uscc"], commitment_type=row["commitment_type"],
            signed_date=row["signed_date"], due_on=due_on, verify_by=verify_by,
            outcome=outcome, verified_on=verified_on, recorded_by=actor, recorded_on=today,
            note=note, grade_before=in_force.grade,
        )  # fmt: skip
        written = write_record(
            space.store, table, {**row, "fulfilment": outcome, "verified_date": verified_on},
            source=f"workflow:commitment-verification:{actor}",
        )  # fmt: skip
        regraded = regrade_subject(space.store, space.engine, row["uscc"], day=today,
                                   grader=space.grading(), actor=actor)  # fmt: skip
        after = GradeInForce.of(regraded)
        verification.store_run, verification.grade_after = written.run_id, after.grade
        verification.after_scorer = after.scorer
        session.add(verification)
        session.flush()
        audit(session, actor=actor, action=f"commitment_{outcome}", uscc=row["uscc"],
              target=f"commitment:{record_id}",
              before={"fulfilment": "pending", "grade": in_force.grade},
              after={"fulfilment": outcome, "verified_date": verified_on,
                     "late": today > verify_by, "grade": after.grade, "note": note},
              row=verification)  # fmt: skip
        session.commit()
    return verification, regraded


def _calendar(first: dt.date, last: dt.date, rules: CommitmentRules) -> WorkdayCalendar:
    """The official calendar from the first signing to the last term, wide enough for every
    deadline counted from them."""
    most = rules.due_without_term_working_days + rules.record_within_working_days
    return WorkdayCalendar(first, max(first, last), margin_days=2 * most + 30)


def _deadlines(
    space: Workspace, row: dict[str, Any], policy: WorkflowPolicy
) -> tuple[dt.date, dt.date]:
    """When the commitment fell due (its term, else signing plus the policy's working days) and
    by when its outcome was due; the same rule as :func:`commitments_due`, for one row."""
    rules = policy.commitments
    due_on = row["due_date"] or space.add_working_days(
        row["signed_date"], rules.due_without_term_working_days
    )
    return due_on, space.add_working_days(due_on, rules.record_within_working_days)


def list_verifications(
    engine: Engine, *, uscc: str | None = None, outcome: str | None = None, limit: int = 500
) -> list[CommitmentVerification]:
    """Recorded verifications, newest first; only the workflow database is read."""
    query = select(CommitmentVerification).order_by(CommitmentVerification.id.desc())
    if uscc:
        query = query.where(CommitmentVerification.uscc == uscc)
    if outcome:
        query = query.where(CommitmentVerification.outcome == outcome)
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query.limit(limit)))
