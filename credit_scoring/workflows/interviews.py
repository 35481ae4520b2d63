"""Warning interviews (约谈): scheduled, held with a rectification deadline, rectified.

A subject graded C or D, or newly entered on the black or key-attention list
(``models/workflows.yaml``), may be called by the identifying department — by default the one
that supervises it under ``models/sampling.yaml`` (谁认定、谁约谈) — to a 提示约谈 or a
警示约谈. The state machine, one row of ``warning_interviews`` in the workflow database:

    scheduled ──record──▶ held ──rectification──▶ rectified

When it is held, the interview's record — type, date, department, grounds, the rectification
required and its deadline (working days on the official calendar) — joins the subject's credit
record: a row of the store's ``interviews`` table, written like an ingested record
(:mod:`credit_scoring.records.revisions`; the rectification later updates it, history kept).
A subject past its deadline unrectified, and not inspected since, is taken with certainty into
the next inspection plan of that department (:func:`credit_scoring.supervision.frame.
overdue_rectifications`): the plan reads the store, so whichever door drew it, it sees the
deadline. Every step is audited, the entry hashing the interview's row as written.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, ClassVar

import pandas as pd
from sqlalchemy import Date, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit_scoring.errors import (
    AlreadyDecided,
    Conflict,
    InvalidInput,
    SubjectNotFound,
    WorkflowItemNotFound,
)
from credit_scoring.grading import GradeInForce
from credit_scoring.policies import GRADE_LABELS
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.policies.workflows import WorkflowPolicy, load_workflow_policy
from credit_scoring.records.codes import INTERVIEW_TYPES, LIST_TYPES
from credit_scoring.records.contract import WORKFLOW_TABLES
from credit_scoring.records.revisions import current_record, write_record
from credit_scoring.records.store import Store
from credit_scoring.supervision.frame import supervising_departments
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import Base
from credit_scoring.workflows.workspace import Workspace

__all__ = [
    "STATUSES",
    "Interview",
    "NotEligible",
    "get_interview",
    "interview_candidates",
    "list_interviews",
    "record_interview",
    "record_rectification",
    "schedule_interview",
]

STATUSES = ("scheduled", "held", "rectified")
CANDIDATE_COLUMNS = ["uscc", "name", "grade", "grounds", "department"]


class NotEligible(InvalidInput):
    """The subject is neither graded C/D nor newly listed: no interview may be scheduled."""


class Interview(Base):
    """One warning interview from scheduling to rectification."""

    __tablename__ = "warning_interviews"
    noun: ClassVar[str] = "interview"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    interview_type: Mapped[str] = mapped_column(String(16))  # prompt 提示约谈 | warning 警示约谈
    department: Mapped[str] = mapped_column(String(128), index=True)
    grounds: Mapped[str] = mapped_column(Text)  # why the subject may be called
    grade: Mapped[str | None] = mapped_column(String(1))  # in force when scheduled
    status: Mapped[str] = mapped_column(String(16), index=True)
    scheduled_on: Mapped[dt.date] = mapped_column(Date)
    meet_on: Mapped[dt.date] = mapped_column(Date)  # the date the subject is called for
    scheduled_by: Mapped[str] = mapped_column(String(128))
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    interviewers: Mapped[str | None] = mapped_column(String(256))
    rectification: Mapped[str | None] = mapped_column(Text)  # what the subject must put right
    rectify_by: Mapped[dt.date | None] = mapped_column(Date, index=True)
    record_id: Mapped[str | None] = mapped_column(String(64))  # its record in the store
    recorded_by: Mapped[str | None] = mapped_column(String(128))
    rectified_on: Mapped[dt.date | None] = mapped_column(Date)
    rectified_recorded_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text, default="")

    def overdue_on(self, day: dt.date) -> bool:
        """Held, past its deadline on ``day`` and not rectified."""
        return self.status == "held" and self.rectify_by is not None and self.rectify_by < day


def interview_candidates(
    store: Store, grades: pd.DataFrame, engine: Engine, *, as_of: dt.date,
    policy: WorkflowPolicy | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Subjects that may be called: graded C/D in ``grades`` (``uscc``, ``grade``: the grades
    being served) or newly listed by ``as_of``, without an open interview (scheduled, or held
    and not rectified). Columns :data:`CANDIDATE_COLUMNS`, the graver first."""
    rules = (policy or load_workflow_policy()).interviews
    graded = grades.loc[grades["grade"].isin(rules.grades), ["uscc", "grade"]]
    listed = _newly_listed(store, None, as_of, rules.newly_listed_days, rules.lists)
    subjects = _subjects(store, sorted(set(graded["uscc"]) | set(listed["uscc"])))
    frame = subjects.merge(grades[["uscc", "grade"]], on="uscc", how="left")
    by_list = listed.groupby("uscc")["grounds"].agg("；".join)
    frame["grounds"] = [
        "；".join(filter(None, [_grade_grounds(g) if g in rules.grades else "", by_list.get(u)]))
        for u, g in zip(frame["uscc"], frame["grade"], strict=True)
    ]
    frame["department"] = supervising_departments(frame, load_sampling_policy())
    with Session(engine) as session:
        open_ = set(session.scalars(
            select(Interview.uscc).where(Interview.status.in_(("scheduled", "held")))
        ))  # fmt: skip
    frame = frame[~frame["uscc"].isin(open_)]
    order = frame["grade"].map({"D": 0, "C": 1}).fillna(2)
    return frame.assign(_order=order).sort_values(["_order", "uscc"])[CANDIDATE_COLUMNS]


def schedule_interview(
    space: Workspace, *, uscc: str, interview_type: str, meet_on: dt.date, scheduled_by: str,
    department: str | None = None, note: str = "", today: dt.date | None = None,
    in_force: GradeInForce | None = None, policy: WorkflowPolicy | None = None,
) -> Interview:  # fmt: skip
    """Call a subject graded C/D or newly listed to an interview on ``meet_on``.

    ``in_force`` is the grade being served, when the caller serves one; otherwise the subject
    is graded today. The department defaults to the one supervising the subject.
    """
    today = today or dt.date.today()
    kind = _interview_type(interview_type)
    subject = _subjects(space.store, [uscc])
    if subject.empty:
        raise SubjectNotFound(f"no subject {uscc} in the records store")
    if meet_on < today:
        raise InvalidInput(f"the interview date {meet_on} is before today ({today})",
                           field="meet_on")  # fmt: skip
    if in_force is None:
        in_force = GradeInForce.of(space.grading().explain(space.store, uscc, as_of=today))
    grounds = _grounds(space.store, uscc, in_force, today, policy or load_workflow_policy())
    department = _department(subject, department)
    for open_ in list_interviews(space.engine, uscc=uscc):
        if open_.status != "rectified" and open_.department == department:
            raise Conflict(f"interview {open_.id} of {uscc} by {department} is {open_.status}; "
                           "record it (or its rectification) before calling another")  # fmt: skip
    interview = Interview(
        uscc=uscc, interview_type=kind, department=department, grounds=grounds,
        grade=in_force.grade, status="scheduled", scheduled_on=today, meet_on=meet_on,
        scheduled_by=scheduled_by, note=note,
    )  # fmt: skip
    with Session(space.engine, expire_on_commit=False) as session:
        session.add(interview)
        session.flush()
        audit(session, actor=scheduled_by, action="interview_scheduled", uscc=uscc,
              target=_target(interview),
              after={"type": kind, "department": department, "meet_on": meet_on,
                     "grounds": grounds, "grade": in_force.grade}, row=interview)  # fmt: skip
        session.commit()
    return interview


def record_interview(
    space: Workspace, interview_id: int, *, held_on: dt.date, rectification: str,
    interviewers: str, recorded_by: str, rectify_by: dt.date | None = None, note: str = "",
    today: dt.date | None = None, policy: WorkflowPolicy | None = None,
) -> Interview:  # fmt: skip
    """Record a scheduled interview as held, with the rectification required and its deadline
    (default: the policy's working days after ``held_on``); its record joins the subject's
    credit record in the store."""
    today = today or dt.date.today()
    rules = (policy or load_workflow_policy()).interviews
    if not rectification.strip():
        raise InvalidInput("say what the subject must rectify", field="rectification")
    with Session(space.engine, expire_on_commit=False) as session:
        interview = _open(session, interview_id, "scheduled")
        if not interview.scheduled_on <= held_on <= today:
            raise InvalidInput(f"the interview was held on {held_on}? it must lie between its "
                               f"scheduling ({interview.scheduled_on}) and today ({today})",
                               field="held_on")  # fmt: skip
        deadline = rectify_by or space.add_working_days(held_on, rules.rectify_within_working_days)
        if deadline <= held_on:
            raise InvalidInput(f"the rectification deadline {deadline} must come after the "
                               f"interview ({held_on})", field="rectify_by")  # fmt: skip
        interview.record_id = f"YT{held_on:%Y%m%d}{secrets.token_hex(3).upper()}"
        interview.status, interview.held_on, interview.rectify_by = "held", held_on, deadline
        interview.rectification, interview.interviewers = rectification, interviewers
        interview.recorded_by = recorded_by
        interview.note = "\n".join(filter(None, [interview.note, note]))
        write_record(space.store, WORKFLOW_TABLES["interviews"], _store_row(interview),
                     source=f"workflow:interview:{recorded_by}")  # fmt: skip
        audit(session, actor=recorded_by, action="interview_held", uscc=interview.uscc,
              target=_target(interview), before={"status": "scheduled"},
              after={"status": "held", "held_on": held_on, "record": interview.record_id,
                     "rectification": rectification, "rectify_by": deadline},
              row=interview)  # fmt: skip
        session.commit()
    return interview


def record_rectification(
    space: Workspace, interview_id: int, *, rectified_on: dt.date, recorded_by: str,
    note: str = "", today: dt.date | None = None,
) -> Interview:  # fmt: skip
    """Record that the subject rectified on ``rectified_on`` (late ones too: the audit says
    so); the store's record gets the date, its earlier version kept in history."""
    today = today or dt.date.today()
    with Session(space.engine, expire_on_commit=False) as session:
        interview = _open(session, interview_id, "held")
        assert interview.held_on is not None and interview.rectify_by is not None
        if not interview.held_on <= rectified_on <= today:
            raise InvalidInput(f"the rectification date {rectified_on} must lie between the "
                               f"interview ({interview.held_on}) and today ({today})",
                               field="rectified_on")  # fmt: skip
        interview.status, interview.rectified_on = "rectified", rectified_on
        interview.rectified_recorded_by = recorded_by
        interview.note = "\n".join(filter(None, [interview.note, note]))
        stored = current_record(space.store, WORKFLOW_TABLES["interviews"],
                                str(interview.record_id))  # fmt: skip
        write_record(space.store, WORKFLOW_TABLES["interviews"],
                     {**stored, "rectified_date": rectified_on},
                     source=f"workflow:interview:{recorded_by}")  # fmt: skip
        audit(session, actor=recorded_by, action="interview_rectified", uscc=interview.uscc,
              target=_target(interview), before={"status": "held"},
              after={"status": "rectified", "rectified_on": rectified_on,
                     "late": rectified_on > interview.rectify_by, "note": note},
              row=interview)  # fmt: skip
        session.commit()
    return interview


def list_interviews(
    engine: Engine, *, status: str | None = None, uscc: str | None = None,
    department: str | None = None, overdue_on: dt.date | None = None,
) -> list[Interview]:  # fmt: skip
    """Interviews, oldest first; ``overdue_on`` keeps those held, unrectified and past their
    deadline on that day. Only the workflow database is read."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {list(STATUSES)}; got {status!r}",
                           field="status")  # fmt: skip
    query = select(Interview).order_by(Interview.id)
    if status:
        query = query.where(Interview.status == status)
    if uscc:
        query = query.where(Interview.uscc == uscc)
    if department:
        query = query.where(Interview.department == department)
    if overdue_on:
        query = query.where(Interview.status == "held", Interview.rectify_by < overdue_on)
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query))


def get_interview(engine: Engine, interview_id: int) -> Interview:
    """One interview by id; ``WorkflowItemNotFound`` if there is none."""
    with Session(engine, expire_on_commit=False) as session:
        found = session.get(Interview, interview_id)
    if found is None:
        raise WorkflowItemNotFound(f"no interview {interview_id}")
    return found


def _open(session: Session, interview_id: int, status: str) -> Interview:
    interview = session.get(Interview, interview_id)
    if interview is None:
        raise WorkflowItemNotFound(f"no interview {interview_id}")
    if interview.status != status:
        raise AlreadyDecided(f"interview {interview_id} is {interview.status}, not {status}")
    return interview


def _interview_type(value: str) -> str:
    try:
        return INTERVIEW_TYPES.parse(value)
    except ValueError:
        raise InvalidInput(f"interview type must be one of {list(INTERVIEW_TYPES.codes)} "
                           f"({'、'.join(INTERVIEW_TYPES.labels.values())}); got {value!r}",
                           field="interview_type") from None  # fmt: skip


def _subjects(store: Store, usccs: list[str]) -> pd.DataFrame:
    with store.con.cursor() as cursor:
        return cursor.execute(
            """SELECT uscc, name, region_code, domains[1] AS primary_domain FROM subjects
               WHERE list_contains(?, uscc) ORDER BY uscc""",
            [usccs],
        ).df()


def _newly_listed(
    store: Store, uscc: str | None, as_of: dt.date, days: int, lists: tuple[str, ...]
) -> pd.DataFrame:
    """List entries of ``lists`` entered in the ``days`` to ``as_of`` and still in force."""
    one = "AND uscc = ?" if uscc is not None else ""
    with store.con.cursor() as cursor:
        rows = cursor.execute(
            f"""SELECT uscc, record_id, list_type, entered_date FROM list_entries
                WHERE list_contains(?, list_type) AND entered_date <= ? AND entered_date > ?
                  AND (removed_date IS NULL OR removed_date > ?) {one}
                ORDER BY uscc, entered_date, record_id""",
            [
                list(lists),
                as_of,
                as_of - dt.timedelta(days=days),
                as_of,
                *([uscc] if uscc is not None else []),
            ],
        ).df()
    rows["grounds"] = [
        f"新列入{LIST_TYPES.label(t)}（{r}，{pd.Timestamp(d).date()}）"
        for t, r, d in zip(rows["list_type"], rows["record_id"], rows["entered_date"], strict=True)
    ]
    return rows


def _grade_grounds(grade: str) -> str:
    return f"信用等级 {grade}（{GRADE_LABELS[grade]}）"


def _grounds(
    store: Store, uscc: str, in_force: GradeInForce, today: dt.date, policy: WorkflowPolicy
) -> str:
    rules = policy.interviews
    grounds = [_grade_grounds(in_force.grade) + f"，{in_force.as_of} 评定"] if (
        in_force.grade in rules.grades) else []  # fmt: skip
    grounds += list(_newly_listed(store, uscc, today, rules.newly_listed_days, rules.lists)
                    ["grounds"])  # fmt: skip
    if not grounds:
        raise NotEligible(
            f"subject {uscc} is graded {in_force.grade} ({in_force.as_of}) and entered none of "
            f"the lists {list(rules.lists)} in the {rules.newly_listed_days} days to {today}: an "
            f"interview is for subjects graded {'/'.join(rules.grades)} or newly listed "
            "(models/workflows.yaml, interviews)", field="uscc",
        )  # fmt: skip
    return "；".join(grounds)


def _department(subject: pd.DataFrame, given: str | None) -> str:
    """The department given (one the sampling policy lists, so its plans exist), else the one
    supervising the subject."""
    policy = load_sampling_policy()
    names = [d.name for d in policy.departments]
    if given:
        if given not in names:
            raise InvalidInput(f"department {given!r} is not listed in models/sampling.yaml "
                               f"(departments): {names}", field="department")  # fmt: skip
        return given
    found = supervising_departments(subject, policy).iloc[0]
    if not isinstance(found, str):
        raise InvalidInput(
            f"no department of models/sampling.yaml supervises {subject['uscc'][0]}"
            " (its region and domain); name the department",
            field="department",
        )
    return found


def _store_row(interview: Interview) -> dict[str, Any]:
    return {
        "record_id": interview.record_id, "uscc": interview.uscc,
        "interview_type": interview.interview_type, "interview_date": interview.held_on,
        "department": interview.department, "reason": interview.grounds,
        "rectification": interview.rectification, "rectify_by": interview.rectify_by,
        "rectified_date": interview.rectified_on, "interviewers": interview.interviewers,
    }  # fmt: skip


def _target(interview: Interview) -> str:
    return f"interview:{interview.id}"
