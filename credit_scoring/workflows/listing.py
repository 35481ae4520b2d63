"""List identification (名单认定): notice, objection, decision, and exit, as one small state
machine per case in the workflow database.

A department serves a notice (告知) on a subject that the criteria of ``models/lists.yaml``
propose (:mod:`credit_scoring.workflows.identification`); the subject may object within the
notice period in working days; a reviewer decides the objection (upheld: the case is cancelled,
no entry); after the period, or once the objection is rejected, the department decides. A
confirmed case writes a ``list_entries`` record into the store exactly like an ingested one, so
features, grades, public lists and credit checks see it; the subject is re-graded at once
(:func:`~credit_scoring.workflows.regrades.regrade_subject`) so the service serves it before the
next publish, and each implementing department of each measure the list triggers gets a task
(:mod:`credit_scoring.workflows.sanctions`). An entry exits (移出) at the end of its term, or from
the date of an approved repair or an upheld objection on it; the store's entry gets that
``removed_date``, its earlier version kept in ``list_entries_history``.

::

    noticed ──objection──▶ objected ──upheld──▶ cancelled
       │  ▲                    │
       │  └─────rejected───────┘
       ├──withdraw──▶ withdrawn
       └──confirm (period over)──▶ listed ──term / repair / objection──▶ exited

Every change is audited in the same transaction as the change, the entry naming the case
(``listing:<id>``) and carrying the hash of its row as written, so ``audit verify`` finds a case
changed, added or deleted outside the library (:data:`credit_scoring.workflows.chain.SEALED`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit_scoring.errors import AlreadyDecided, Conflict, InvalidInput, WorkflowItemNotFound
from credit_scoring.policies.lists import ListPolicy, load_list_policy
from credit_scoring.policies.measures import MeasuresPolicy, load_measures
from credit_scoring.records.store import Store
from credit_scoring.records.workdays import WorkdayCalendar
from credit_scoring.snapshots.serving import Regraded
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import Base
from credit_scoring.workflows.identification import Candidate, identify
from credit_scoring.workflows.objections import DECIDE_WITHIN
from credit_scoring.workflows.regrades import regrade_subject
from credit_scoring.workflows.sanctions import issue_list_tasks
from credit_scoring.workflows.workspace import Workspace

__all__ = [
    "LISTING_STATUSES",
    "ListingCase",
    "decide_listing",
    "decide_notice_objection",
    "get_listing",
    "list_listings",
    "object_to_notice",
    "propose",
    "serve_notice",
    "sweep_exits",
]

LISTING_STATUSES = ("noticed", "objected", "cancelled", "withdrawn", "listed", "exited")
OPEN = ("noticed", "objected")


class ListingCase(Base):
    """One proposal to enter a subject on a list, from its notice to the entry's exit."""

    __tablename__ = "listing_cases"
    noun: ClassVar[str] = "listing"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    list_type: Mapped[str] = mapped_column(String(16), index=True)
    department: Mapped[str] = mapped_column(String(128))
    criteria: Mapped[str] = mapped_column(Text)  # JSON: the criteria met, with their record ids
    record_ids: Mapped[str] = mapped_column(Text)  # ";"-separated, every record behind it
    status: Mapped[str] = mapped_column(String(16), index=True)
    noticed_on: Mapped[dt.date] = mapped_column(Date)
    noticed_by: Mapped[str] = mapped_column(String(128))
    objection_due: Mapped[dt.date] = mapped_column(Date)  # the last day an objection is heard
    objection_reason: Mapped[str | None] = mapped_column(Text)
    objection_by: Mapped[str | None] = mapped_column(String(128))
    objection_on: Mapped[dt.date | None] = mapped_column(Date)
    objection_decide_due: Mapped[dt.date | None] = mapped_column(Date)
    objection_status: Mapped[str | None] = mapped_column(String(16))  # pending|upheld|rejected
    objection_decided_by: Mapped[str | None] = mapped_column(String(128))
    objection_decided_on: Mapped[dt.date | None] = mapped_column(Date)
    objection_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(Text)
    entry_record_id: Mapped[str | None] = mapped_column(String(64), index=True)
    term_until: Mapped[dt.date | None] = mapped_column(Date)
    exited_on: Mapped[dt.date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(32))

    @property
    def cited(self) -> list[dict[str, Any]]:
        """The criteria met at notice: code, texts, count and record ids."""
        return list(json.loads(self.criteria))


def propose(
    store: Store, engine: Engine, *, as_of: dt.date, list_types: list[str] | None = None,
    policy: ListPolicy | None = None,
) -> list[Candidate]:  # fmt: skip
    """The candidates of :func:`identify` without those a case already covers: an open notice
    for the same list, or a notice cancelled on objection that rested on the same records."""
    found = identify(store, as_of=as_of, list_types=list_types, policy=policy)
    with Session(engine) as session:
        rows = session.execute(
            select(ListingCase.uscc, ListingCase.list_type, ListingCase.status,
                   ListingCase.record_ids)
            .where(ListingCase.status.in_([*OPEN, "cancelled"]))
        ).all()  # fmt: skip
    open_ = {(u, t) for u, t, s, _ in rows if s in OPEN}
    refuted = {(u, t, ids) for u, t, s, ids in rows if s == "cancelled"}
    return [c for c in found if (c.uscc, c.list_type) not in open_
            and (c.uscc, c.list_type, ";".join(c.record_ids)) not in refuted]  # fmt: skip


def serve_notice(
    space: Workspace, *, uscc: str, list_type: str, actor: str, today: dt.date | None = None,
    policy: ListPolicy | None = None,
) -> ListingCase:  # fmt: skip
    """Serve the notice (告知) proposing ``uscc`` for ``list_type``: checked against the criteria
    as of today, it opens the objection period of the list's working days."""
    today = today or dt.date.today()
    policy = policy or load_list_policy()
    candidate = _still_proposed(space, uscc, list_type, today, policy)
    for case in list_listings(space.engine, uscc=uscc, list_type=list_type):
        if case.status in OPEN:
            raise Conflict(f"listing {case.id} already proposes {uscc} for the {list_type} list "
                           f"({case.status}, objections until {case.objection_due})")  # fmt: skip
    rule = policy.lists[list_type]  # type: ignore[index]
    case = ListingCase(
        uscc=uscc, name=candidate.name, list_type=list_type, department=candidate.department,
        criteria=json.dumps([_met(m) for m in candidate.met], ensure_ascii=False),
        record_ids=";".join(candidate.record_ids), status="noticed", noticed_on=today,
        noticed_by=actor, objection_due=_add_working_days(today, rule.notice_working_days),
    )  # fmt: skip
    return _save(space.engine, case, actor, "listing_noticed", None,
                 {"list_type": list_type, "records": candidate.record_ids,
                  "objection_due": case.objection_due})  # fmt: skip


def object_to_notice(
    engine: Engine, case_id: int, *, reason: str, filed_by: str, today: dt.date | None = None
) -> ListingCase:
    """The subject's objection (陈述申辩) to a notice, heard until the period's last day."""
    today = today or dt.date.today()
    if not reason.strip():
        raise InvalidInput("an objection needs a reason", field="reason")
    with Session(engine, expire_on_commit=False) as session:
        case = _get(session, case_id)
        if case.status != "noticed" or case.objection_status is not None:
            heard = f", its objection {case.objection_status}" if case.objection_status else ""
            raise Conflict(f"listing {case_id} is {case.status}{heard}: no objection can be "
                           "filed now")  # fmt: skip
        if today > case.objection_due:
            raise Conflict(f"the objection period of listing {case_id} ended on "
                           f"{case.objection_due}")  # fmt: skip
        case.status, case.objection_status = "objected", "pending"
        case.objection_reason, case.objection_by, case.objection_on = reason, filed_by, today
        case.objection_decide_due = _add_working_days(today, DECIDE_WITHIN)
        audit(session, actor=filed_by, action="listing_objection_filed", uscc=case.uscc,
              target=_target(case), before={"status": "noticed"},
              after={"status": case.status, "reason": reason,
                     "decide_due": case.objection_decide_due}, row=case)  # fmt: skip
        session.commit()
    return case


def decide_notice_objection(
    engine: Engine, case_id: int, *, upheld: bool, reviewer: str, note: str,
    today: dt.date | None = None,
) -> ListingCase:  # fmt: skip
    """Uphold an objection to a notice (the case is cancelled: no entry) or reject it (the
    department may decide at once)."""
    today = today or dt.date.today()
    with Session(engine, expire_on_commit=False) as session:
        case = _get(session, case_id)
        if case.status != "objected":
            raise AlreadyDecided(f"listing {case_id} is {case.status}: no objection is pending")
        case.objection_status = "upheld" if upheld else "rejected"
        case.status = "cancelled" if upheld else "noticed"
        case.objection_decided_by, case.objection_decided_on = reviewer, today
        case.objection_note = note
        audit(session, actor=reviewer, action=f"listing_objection_{case.objection_status}",
              uscc=case.uscc, target=_target(case), before={"status": "objected"},
              after={"status": case.status, "note": note}, row=case)  # fmt: skip
        session.commit()
    return case


def decide_listing(
    space: Workspace, case_id: int, *, confirm: bool, actor: str, note: str = "",
    today: dt.date | None = None, policy: ListPolicy | None = None,
    measures: MeasuresPolicy | None = None,
) -> tuple[ListingCase, Regraded | None]:  # fmt: skip
    """Confirm (the entry is written, the subject re-graded and the measures' tasks issued) or
    withdraw a notice. Confirming waits for the objection period to end, or for an objection to
    be rejected, and for the subject still to meet the criteria today."""
    today = today or dt.date.today()
    policy = policy or load_list_policy()
    with Session(space.engine, expire_on_commit=False) as session:
        case = _get(session, case_id)
        _check_decidable(case, confirm, today)
        before = {"status": case.status}
        case.decided_by, case.decided_on, case.decision_note = actor, today, note
        regraded = None
        if not confirm:
            case.status = "withdrawn"
        else:
            if not _entry_written(space.store, case):  # else a failed attempt wrote it
                _still_proposed(space, case.uscc, case.list_type, today, policy)
            rule = policy.lists[case.list_type]  # type: ignore[index]
            case.entry_record_id = _write_entry(space.store, case, today)
            case.term_until = today + relativedelta(months=rule.exit.term_months)
            case.status = "listed"
            regraded = regrade_subject(space.store, space.engine, case.uscc, day=today,
                                       grader=space.grading(), actor=actor)  # fmt: skip
            issue_list_tasks(
                session, uscc=case.uscc, list_type=case.list_type, actor=actor, today=today,
                entry_record_id=case.entry_record_id, source_ref=_target(case),
                policy=measures or load_measures(),
            )  # fmt: skip
        audit(session, actor=actor, action=f"listing_{case.status}", uscc=case.uscc,
              target=_target(case), before=before,
              after={"status": case.status, "entry": case.entry_record_id,
                     "term_until": case.term_until, "note": note}, row=case)  # fmt: skip
        session.commit()
    return case, regraded


def sweep_exits(
    space: Workspace, *, today: dt.date | None = None, actor: str = "system:listing",
    policy: ListPolicy | None = None,
) -> list[tuple[ListingCase, Regraded]]:  # fmt: skip
    """Exit (移出) every listed entry whose term has ended, or on which an event of the list's
    ``exit.early_on`` (an approved repair, an upheld objection) was recorded, by today; each
    with its own date. Run it daily; an entry already exited is left alone."""
    today = today or dt.date.today()
    policy = policy or load_list_policy()
    exited = []
    for case in list_listings(space.engine, status="listed"):
        rule = policy.lists[case.list_type]  # type: ignore[index]
        found = _exit_of(space.store, case, rule.exit.early_on, today)
        if found is not None:
            exited.append(_exit(space, case, *found, actor=actor, today=today))
    return exited


def list_listings(
    engine: Engine, *, status: str | None = None, list_type: str | None = None,
    uscc: str | None = None,
) -> list[ListingCase]:  # fmt: skip
    """Listing cases, oldest first, filtered by status, list or subject."""
    if status and status not in LISTING_STATUSES:
        raise InvalidInput(f"status must be one of {list(LISTING_STATUSES)}; got {status!r}",
                           field="status")  # fmt: skip
    query = select(ListingCase).order_by(ListingCase.id)
    if status:
        query = query.where(ListingCase.status == status)
    if list_type:
        query = query.where(ListingCase.list_type == list_type)
    if uscc:
        query = query.where(ListingCase.uscc == uscc)
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query))


def get_listing(engine: Engine, case_id: int) -> ListingCase:
    """One listing case; ``WorkflowItemNotFound`` if there is none."""
    with Session(engine, expire_on_commit=False) as session:
        return _get(session, case_id)


def _still_proposed(
    space: Workspace, uscc: str, list_type: str, today: dt.date, policy: ListPolicy
) -> Candidate:
    """The subject's candidacy today, or a conflict saying why there is none."""
    found = identify(space.store, as_of=today, list_types=[list_type], subjects=[uscc],
                     policy=policy)  # fmt: skip
    if found:
        return found[0]
    raise Conflict(
        f"{uscc} does not meet the criteria of the {list_type} list on {today}, or is on it "
        "already: `credit-scoring lists identify` shows who does"
    )


def _check_decidable(case: ListingCase, confirm: bool, today: dt.date) -> None:
    if case.status == "objected":
        raise Conflict(f"listing {case.id} has an objection pending (due "
                       f"{case.objection_decide_due}): a reviewer decides it first")  # fmt: skip
    if case.status != "noticed":
        raise AlreadyDecided(f"listing {case.id} is {case.status}, not noticed")
    if confirm and case.objection_status != "rejected" and today <= case.objection_due:
        raise Conflict(f"listing {case.id} can be decided after its objection period, which "
                       f"ends on {case.objection_due}")  # fmt: skip


def _entry_id(case: ListingCase) -> str:
    return f"LIST-{case.id:06d}"


def _entry_written(store: Store, case: ListingCase) -> bool:
    found = store.con.execute(
        "SELECT count(*) FROM list_entries WHERE record_id = ?", [_entry_id(case)]
    ).fetchone()
    return bool(found and found[0])


def _write_entry(store: Store, case: ListingCase, day: dt.date) -> str:
    """Insert the entry as an ingested row would be, with the same content hash; a retry after
    a failure between the store and the workflow database finds it there and writes nothing."""
    record_id = _entry_id(case)
    reason = "；".join(c["text_zh"] for c in case.cited)
    values = [record_id, case.uscc, case.list_type, day, None, reason, case.department]
    parameters = [f"${i}" for i in range(1, len(values) + 1)]
    with store.transaction() as con:
        con.execute(
            f"""INSERT INTO list_entries SELECT {", ".join(parameters)}, 0, 'workflow',
                    'workflow', NULL, {_hash(parameters)}, 1, now()
                WHERE NOT EXISTS (SELECT 1 FROM list_entries WHERE record_id = $1)""",
            values,
        )
    return record_id


def _hash(columns: list[str]) -> str:
    """The ingest's content hash (``records.ingestion._stage``) over the contract columns."""
    parts = ", ".join(f"coalesce(CAST({c} AS VARCHAR), chr(0))" for c in columns)
    return f"md5(concat_ws(chr(31), {parts}))"


_COLUMNS = ["record_id", "uscc", "list_type", "entered_date", "removed_date", "reason", "authority"]


def _exit_of(
    store: Store, case: ListingCase, early_on: tuple[str, ...], today: dt.date
) -> tuple[dt.date, str] | None:
    """The first of: the end of the term, an early-exit event on the entry; if by today."""
    found = []
    if case.term_until is not None and case.term_until <= today:
        found.append((case.term_until, "term_ended"))
    if early_on:
        row = store.con.execute(
            """SELECT event_date, event_type FROM record_events
               WHERE "table" = 'list_entries' AND record_id = ? AND event_date <= ?
                 AND list_contains(?, event_type) ORDER BY event_date, event_type LIMIT 1""",
            [case.entry_record_id, today, list(early_on)],
        ).fetchone()
        if row:
            found.append((row[0], row[1]))
    return min(found) if found else None


def _exit(
    space: Workspace, case: ListingCase, day: dt.date, reason: str, *, actor: str,
    today: dt.date,
) -> tuple[ListingCase, Regraded]:  # fmt: skip
    # As an ingested update would: the version replaced goes to the history, the new one
    # (with its removal date) takes its place with the next version number and its own hash.
    with space.store.transaction() as con:
        con.execute(
            """INSERT INTO list_entries_history SELECT *, now(), 'workflow' FROM list_entries
               WHERE record_id = ?""",
            [case.entry_record_id],
        )
        con.execute(
            """CREATE TEMP TABLE _exiting AS SELECT * REPLACE (?::DATE AS removed_date)
               FROM list_entries WHERE record_id = ?""",
            [day, case.entry_record_id],
        )
        con.execute("DELETE FROM list_entries WHERE record_id = ?", [case.entry_record_id])
        con.execute(
            f"""INSERT INTO list_entries SELECT {", ".join(_COLUMNS)}, 0, 'workflow',
                   'workflow', NULL, {_hash(_COLUMNS)}, _version + 1, now() FROM _exiting"""
        )
        con.execute("DROP TABLE _exiting")
    regraded = regrade_subject(space.store, space.engine, case.uscc, day=today,
                               grader=space.grading(), actor=actor)  # fmt: skip
    with Session(space.engine, expire_on_commit=False) as session:
        case = _get(session, case.id)
        case.status, case.exited_on, case.exit_reason = "exited", day, reason
        audit(session, actor=actor, action="listing_exited", uscc=case.uscc, target=_target(case),
              before={"status": "listed"},
              after={"status": "exited", "exited_on": day, "reason": reason},
              row=case)  # fmt: skip
        session.commit()
    return case, regraded


def _save(
    engine: Engine, case: ListingCase, actor: str, action: str, before: dict[str, Any] | None,
    after: dict[str, Any],
) -> ListingCase:  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        session.add(case)
        session.flush()
        audit(session, actor=actor, action=action, uscc=case.uscc, target=_target(case),
              before=before, after={**after, "status": case.status}, row=case)  # fmt: skip
        session.commit()
    return case


def _get(session: Session, case_id: int) -> ListingCase:
    case = session.get(ListingCase, case_id)
    if case is None:
        raise WorkflowItemNotFound(f"no listing {case_id}")
    return case


def _met(met: Any) -> dict[str, Any]:
    return {"code": met.code, "text_zh": met.text_zh, "text_en": met.text_en,
            "count": met.count, "record_ids": list(met.record_ids)}  # fmt: skip


def _add_working_days(day: dt.date, n: int) -> dt.date:
    return WorkdayCalendar(day, day + dt.timedelta(days=3 * n + 30)).add(day, n)


def _target(case: ListingCase) -> str:
    return f"listing:{case.id}"
