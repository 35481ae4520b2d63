"""Joint incentives and punishments with feedback (联合奖惩、执行反馈): one task per measure and
implementing department, with deadlines in working days, each response audited.

A measure applies to a subject from a list decision (every measure the list triggers, in any
scenario: the initiating department's 发起) or from a credit check in one scenario (the measures
the check returned, for that application). Each implementing department the measure names in
``models/measures.yaml`` gets a task (响应): it acknowledges it (签收), applies the measure or
declines it with a reason, and reports the outcome (执行反馈), each by its deadline. Statistics
give per department the share of tasks responded to, on time, and fed back. Every change is
audited with the change, the entry naming the task (``sanction:<id>``) and hashing its row.

::

    issued ──acknowledge──▶ acknowledged ──apply──▶ applied ──report──▶ (outcome reported)
       │                         │
       ├──apply / decline────────┴──decline (with reason: its feedback)──▶ declined
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from sqlalchemy import Date, Engine, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit_scoring.errors import AlreadyDecided, InvalidInput, WorkflowItemNotFound
from credit_scoring.measures import CreditCheck
from credit_scoring.policies.measures import MeasuresPolicy, TaskDeadlines, load_measures
from credit_scoring.records.workdays import WorkdayCalendar
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import Base

__all__ = [
    "ACTIONS",
    "TASK_STATUSES",
    "DepartmentStatistics",
    "SanctionTask",
    "issue_check_tasks",
    "issue_list_tasks",
    "list_tasks",
    "respond",
    "task_statistics",
]

ACTIONS = ("acknowledge", "apply", "decline", "report")
TASK_STATUSES = ("issued", "acknowledged", "applied", "declined")
SOURCES = ("list_decision", "credit_check")
Action = Literal["acknowledge", "apply", "decline", "report"]
Source = Literal["list_decision", "credit_check"]


class SanctionTask(Base):
    """One measure for one implementing department to apply to one subject, and its feedback."""

    __tablename__ = "sanction_tasks"
    noun: ClassVar[str] = "sanction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    measure_code: Mapped[str] = mapped_column(String(16))
    measure_kind: Mapped[str] = mapped_column(String(16))  # incentive | punishment
    department: Mapped[str] = mapped_column(String(32), index=True)  # its code in measures.yaml
    source: Mapped[str] = mapped_column(String(16))  # list_decision | credit_check
    source_ref: Mapped[str] = mapped_column(String(128))  # e.g. listing:12, licensing:2026-10-09
    scenario: Mapped[str | None] = mapped_column(String(16))
    record_ids: Mapped[str] = mapped_column(Text)  # ";"-separated: the records that trigger it
    status: Mapped[str] = mapped_column(String(16), index=True)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(128))
    respond_due: Mapped[dt.date] = mapped_column(Date)
    feedback_due: Mapped[dt.date] = mapped_column(Date)
    responded_on: Mapped[dt.date | None] = mapped_column(Date)
    responded_by: Mapped[str | None] = mapped_column(String(128))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)  # 执行反馈
    feedback_on: Mapped[dt.date | None] = mapped_column(Date)

    def overdue_on(self, day: dt.date) -> bool:
        """No response by its deadline, or no outcome reported by the feedback deadline."""
        return (self.responded_on is None and self.respond_due < day) or (
            self.feedback_on is None and self.feedback_due < day
        )


def issue_list_tasks(
    session: Session, *, uscc: str, list_type: str, entry_record_id: str, source_ref: str,
    actor: str, today: dt.date, policy: MeasuresPolicy,
) -> list[SanctionTask]:  # fmt: skip
    """The tasks a list decision initiates, added to ``session`` (they commit with the
    decision): every measure an entry on ``list_type`` triggers, for each of its departments."""
    measures = [m for m in policy.measures if m.triggered_by_list(list_type)]
    tasks = [
        _task(policy, m.code, m.kind, d, uscc=uscc, source="list_decision", source_ref=source_ref,
              scenario=None, record_ids=[entry_record_id], actor=actor, today=today)
        for m in measures for d in m.implementing_departments
    ]  # fmt: skip
    _add(session, tasks, actor)
    return tasks


def issue_check_tasks(
    engine: Engine, check: CreditCheck, *, uscc: str, actor: str, today: dt.date | None = None,
    reference: str | None = None, policy: MeasuresPolicy | None = None,
) -> list[SanctionTask]:  # fmt: skip
    """The tasks of a credit check's measures, for each implementing department; ``reference``
    names the application checked (default: the scenario and day). Issuing the same check again
    returns its tasks instead of doubling them."""
    today = today or dt.date.today()
    policy = policy or load_measures()
    if reference is not None and not 0 < len(reference.strip()) <= 100:
        raise InvalidInput("reference must be 1 to 100 characters", field="reference")
    ref = reference.strip() if reference else f"{check.scenario}:{check.day.isoformat()}"
    kinds = {m.code: m for m in policy.measures}
    with Session(engine, expire_on_commit=False) as session:
        existing = {(t.measure_code, t.department): t for t in session.scalars(
            select(SanctionTask).where(SanctionTask.uscc == uscc,
                                       SanctionTask.source == "credit_check",
                                       SanctionTask.source_ref == ref))}  # fmt: skip
        tasks, new = [], []
        for applied in check.measures:
            for department in kinds[applied.code].implementing_departments:
                task = existing.get((applied.code, department)) or _task(
                    policy, applied.code, applied.kind, department, uscc=uscc,
                    source="credit_check", source_ref=ref, scenario=check.scenario,
                    record_ids=[r["record_id"] for r in applied.records], actor=actor,
                    today=today,
                )  # fmt: skip
                tasks.append(task)
                new += [] if task.id else [task]
        _add(session, new, actor)
        session.commit()
    return tasks


def respond(
    engine: Engine, task_id: int, *, action: Action, actor: str, note: str = "",
    today: dt.date | None = None,
) -> SanctionTask:  # fmt: skip
    """A department's response: ``acknowledge`` (签收), ``apply`` (the note, if any, is the
    outcome), ``decline`` (the note is the reason, required) or ``report`` the outcome of an
    applied measure (执行反馈, the note required)."""
    today = today or dt.date.today()
    if action not in ACTIONS:
        raise InvalidInput(f"action must be one of {list(ACTIONS)}; got {action!r}",
                           field="action")  # fmt: skip
    note = note.strip()
    if action in ("decline", "report") and not note:
        raise InvalidInput(f"{action} needs a note: the reason or the outcome", field="note")
    with Session(engine, expire_on_commit=False) as session:
        task = session.get(SanctionTask, task_id)
        if task is None:
            raise WorkflowItemNotFound(f"no sanction task {task_id}")
        before = {"status": task.status, "outcome": task.outcome}
        _apply(task, action, actor, note, today)
        audit(session, actor=actor, action=f"sanction_{action}", uscc=task.uscc,
              target=f"sanction:{task.id}", before=before,
              after={"status": task.status, "note": note,
                     "department": task.department}, row=task)  # fmt: skip
        session.commit()
    return task


def _apply(task: SanctionTask, action: str, actor: str, note: str, today: dt.date) -> None:
    """Move ``task`` by ``action``; a conflict names the task's state when it cannot."""
    if action == "report":
        if task.status != "applied" or task.feedback_on is not None:
            what = "reported already" if task.feedback_on else task.status
            raise AlreadyDecided(f"sanction task {task.id} is {what}: only an applied measure's "
                                 "outcome is reported, once")  # fmt: skip
        task.outcome, task.feedback_on = note, today
        return
    if task.status not in ("issued", "acknowledged") or (
        action == "acknowledge" and task.status != "issued"
    ):
        raise AlreadyDecided(f"sanction task {task.id} is {task.status}: it cannot be "
                             f"{action}d now")  # fmt: skip
    if task.responded_on is None:
        task.responded_on, task.responded_by = today, actor
    if action == "acknowledge":
        task.status = "acknowledged"
    elif action == "apply":
        task.status = "applied"
        if note:
            task.outcome, task.feedback_on = note, today
    else:
        task.status, task.decline_reason = "declined", note
        task.outcome, task.feedback_on = note, today


def list_tasks(
    engine: Engine, *, department: str | None = None, status: str | None = None,
    uscc: str | None = None, overdue_on: dt.date | None = None, source: str | None = None,
) -> list[SanctionTask]:  # fmt: skip
    """Tasks, oldest first; ``overdue_on`` keeps those late on that day (response or feedback)."""
    _check_choice("status", status, TASK_STATUSES)
    _check_choice("source", source, SOURCES)
    query = select(SanctionTask).order_by(SanctionTask.id)
    for column, value in ((SanctionTask.department, department), (SanctionTask.status, status),
                          (SanctionTask.uscc, uscc), (SanctionTask.source, source)):  # fmt: skip
        if value:
            query = query.where(column == value)
    if overdue_on:
        query = query.where(or_(
            (SanctionTask.responded_on.is_(None)) & (SanctionTask.respond_due < overdue_on),
            (SanctionTask.feedback_on.is_(None)) & (SanctionTask.feedback_due < overdue_on),
        ))  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query))


@dataclass(frozen=True)
class DepartmentStatistics:
    """Response and feedback of one department's tasks issued up to a day (all: ``"*"``)."""

    department: str
    name: str
    issued: int
    responded: int
    responded_on_time: int
    fed_back: int
    overdue: int

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.issued if self.issued else None

    @property
    def on_time_rate(self) -> float | None:
        return self.responded_on_time / self.issued if self.issued else None

    @property
    def feedback_rate(self) -> float | None:
        return self.fed_back / self.issued if self.issued else None

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "response_rate": self.response_rate,
                "on_time_rate": self.on_time_rate, "feedback_rate": self.feedback_rate}  # fmt: skip


def task_statistics(
    engine: Engine,
    *,
    day: dt.date,
    since: dt.date | None = None,
    source: str | None = None,
    policy: MeasuresPolicy | None = None,
) -> list[DepartmentStatistics]:
    """Per department, then all departments (``"*"``), the tasks issued in ``[since, day]`` and
    how many were responded to (on time), fed back and are overdue on ``day``.

    A response or report after ``day`` does not count: the figures are those of that day.
    """
    policy = policy or load_measures()
    _check_choice("source", source, SOURCES)
    query = select(SanctionTask).where(SanctionTask.issued_on <= day)
    if since:
        query = query.where(SanctionTask.issued_on >= since)
    if source:
        query = query.where(SanctionTask.source == source)
    with Session(engine) as session:
        tasks = list(session.scalars(query))
    by_department: dict[str, list[SanctionTask]] = {}
    for task in tasks:
        by_department.setdefault(task.department, []).append(task)
    rows = [_statistics(code, policy.departments[code].zh if code in policy.departments else code,
                        group, day) for code, group in sorted(by_department.items())]  # fmt: skip
    return [*rows, _statistics("*", "全部部门", tasks, day)]


def _statistics(
    code: str, name: str, tasks: Iterable[SanctionTask], day: dt.date
) -> DepartmentStatistics:
    tasks = list(tasks)
    responded = [t for t in tasks if t.responded_on is not None and t.responded_on <= day]
    return DepartmentStatistics(
        code, name, len(tasks), len(responded),
        sum(t.responded_on <= t.respond_due for t in responded if t.responded_on),
        sum(t.feedback_on is not None and t.feedback_on <= day for t in tasks),
        sum(_late(t, day) for t in tasks),
    )  # fmt: skip


def _late(task: SanctionTask, day: dt.date) -> bool:
    responded = task.responded_on is not None and task.responded_on <= day
    fed_back = task.feedback_on is not None and task.feedback_on <= day
    return (not responded and task.respond_due < day) or (not fed_back and task.feedback_due < day)


def _task(
    policy: MeasuresPolicy, code: str, kind: str, department: str, *, uscc: str, source: Source,
    source_ref: str, scenario: str | None, record_ids: list[str], actor: str, today: dt.date,
) -> SanctionTask:  # fmt: skip
    respond_due, feedback_due = _deadlines(policy.tasks, today)
    return SanctionTask(
        uscc=uscc, measure_code=code, measure_kind=kind, department=department, source=source,
        source_ref=source_ref, scenario=scenario, record_ids=";".join(dict.fromkeys(record_ids)),
        status="issued", issued_on=today, issued_by=actor, respond_due=respond_due,
        feedback_due=feedback_due,
    )  # fmt: skip


@functools.lru_cache(maxsize=8)
def _deadlines(deadlines: TaskDeadlines, day: dt.date) -> tuple[dt.date, dt.date]:
    """The response and feedback deadlines of a task issued on ``day``, in working days."""
    calendar = WorkdayCalendar(day, day + dt.timedelta(days=3 * deadlines.feedback_within + 30))
    return calendar.add(day, deadlines.respond_within), calendar.add(day, deadlines.feedback_within)


def _add(session: Session, tasks: list[SanctionTask], actor: str) -> None:
    """Add ``tasks``, each audited with the hash of its own row."""
    session.add_all(tasks)
    session.flush()
    for task in tasks:
        audit(session, actor=actor, action="sanction_issued", uscc=task.uscc,
              target=f"sanction:{task.id}",
              after={"measure": task.measure_code, "department": task.department,
                     "source": task.source_ref, "respond_due": task.respond_due,
                     "feedback_due": task.feedback_due}, row=task)  # fmt: skip


def _check_choice(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value and value not in allowed:
        raise InvalidInput(f"{field} must be one of {list(allowed)}; got {value!r}", field=field)
