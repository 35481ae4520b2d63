"""一公开: a plan's inspection results published, and the plans whose results are late.

A plan drawn here is announced — its date, scope, design and size, the 抽查事项 of the domains it
covers and the commitment (SHA-256) sealed before the draw; its seed once the plan's period is
over — and each result of its inspections is public once recorded: the subject (the name the
snapshot shows, an individual business named after its operator with the operator masked), the
date, the result and the inspecting department. Inspectors are not named: the workbench shows
their names to reviewers only, and a public page shows less than any staff page. Nothing about
a planned inspection not yet carried out is public: the list of subjects drawn would forewarn
them. A result withdrawn by an event (an upheld objection, a revocation) leaves the page.

Deadline (``models/workflows.yaml``, 20 working days on the official calendar): counted from the
inspection for a result, from the end of the plan's period for a planned inspection with no
result yet. A result's publication date is its ``published_date`` when the file gave one, else,
for a plan drawn here (whose page publishes it), the day it was first recorded in the store. The
deadline report covers every plan: drawn here, or named by ingested inspection results.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.errors import PlanNotFound
from credit_scoring.policies.publicity import load_publicity_policy
from credit_scoring.policies.workflows import WorkflowPolicy, check_day, load_workflow_policy
from credit_scoring.records.codes import DOMAINS, INSPECTION_RESULTS
from credit_scoring.records.store import Store
from credit_scoring.records.workdays import WorkdayCalendar
from credit_scoring.snapshots.build import public_subjects

__all__ = [
    "PlanAnnouncement",
    "PlanPublication",
    "PublishedResult",
    "announcements",
    "plan_publication",
    "result_deadlines",
    "results_due",
]

STATUSES = ("on_time", "published_late", "overdue", "pending")
DUE_COLUMNS = ["plan_id", "stored", "plan_as_of", "department", "planned", "results",
               "published", "published_late", "overdue", "pending", "first_missed",
               "next_deadline", "late"]  # fmt: skip
_DESIGNS = {"stratified": "分层随机抽样", "pps": "按风险概率比例抽样"}


@dataclass(frozen=True)
class PlanAnnouncement:
    """What is public of a plan drawn here, whatever its results."""

    plan_id: str
    as_of: dt.date
    department: str | None
    regions: list[str]
    domains: list[str]  # Chinese labels
    design: str  # Chinese
    inspections: int
    commitment: str
    period_end: dt.date
    results_due_by: dt.date  # the last day to publish a result of the period's last day
    results_published: int
    seed: int | None  # revealed once the period is over


@dataclass(frozen=True)
class PublishedResult:
    uscc: str
    name: str | None
    inspection_date: dt.date
    result: str
    result_label: str
    department: str | None
    published_on: dt.date


@dataclass(frozen=True)
class PlanPublication:
    """A plan's public page: the announcement, its 抽查事项 and the results published."""

    announcement: PlanAnnouncement
    checklist: list[dict[str, str]]
    results: list[PublishedResult] = field(default_factory=list)


def _plans(store: Store, day: dt.date, plan_id: str | None = None) -> pd.DataFrame:
    one = "AND p.plan_id = ?" if plan_id else ""
    with store.con.cursor() as cursor:
        return cursor.execute(
            f"""SELECT p.plan_id, p.as_of, p.seed, p.commitment, p.design, p.parameters,
                       count(i.uscc) AS inspections,
                       list(DISTINCT i.domains) FILTER (WHERE i.domains IS NOT NULL) AS domains
                FROM plans p LEFT JOIN plan_items i USING (plan_id)
                WHERE p.as_of <= ? {one} GROUP BY ALL ORDER BY p.as_of DESC, p.plan_id""",
            [day, *([plan_id] if plan_id else [])],
        ).df()


def _period_end(as_of: dt.date, parameters: dict[str, Any]) -> dt.date:
    """The last day of the plan's period, under the policy it was drawn with."""
    return as_of + dt.timedelta(days=round(365 / int(parameters["policy"]["plans_per_year"])))


def _calendar(first: dt.date, last: dt.date, days: int) -> WorkdayCalendar:
    return WorkdayCalendar(first, max(first, last), margin_days=2 * days + 30)


def _announcement(row: Any, day: dt.date, published: int, within: int) -> PlanAnnouncement:
    parameters = json.loads(row.parameters)
    as_of = pd.Timestamp(row.as_of).date()
    end = _period_end(as_of, parameters)
    scope = parameters.get("scope", {})
    return PlanAnnouncement(
        plan_id=row.plan_id, as_of=as_of, department=scope.get("department"),
        regions=list(scope.get("regions", [])),
        domains=[DOMAINS.labels.get(d, d) for d in scope.get("domains", [])],
        design=_DESIGNS.get(row.design, row.design), inspections=int(row.inspections),
        commitment=row.commitment, period_end=end,
        results_due_by=_calendar(end, end, within).add(end, within),
        results_published=published, seed=int(row.seed) if day > end else None,
    )  # fmt: skip


def announcements(
    store: Store, *, day: dt.date, policy: WorkflowPolicy | None = None
) -> list[PlanAnnouncement]:
    """Every plan drawn here by ``day``, newest first, with its results published by then."""
    within = (policy or load_workflow_policy()).inspection_results.publish_within_working_days
    plans = _plans(store, day)
    published = _published(store, day).groupby("plan_id").size()
    return [_announcement(row, day, int(published.get(row.plan_id, 0)), within)
            for row in plans.itertuples()]  # fmt: skip


def plan_publication(
    store: Store, plan_id: str, *, day: dt.date, policy: WorkflowPolicy | None = None
) -> PlanPublication:
    """The public page of ``plan_id`` on ``day``; ``PlanNotFound`` for a plan not drawn here
    or not drawn by then."""
    within = (policy or load_workflow_policy()).inspection_results.publish_within_working_days
    plans = _plans(store, day, plan_id)
    if plans.empty:
        raise PlanNotFound(f"no inspection plan {plan_id!r} published here")
    row = next(plans.itertuples())
    results: list[dict[str, Any]] = _published(store, day, plan_id).to_dict("records")  # type: ignore[assignment]
    names = _masked_names(store, [r["uscc"] for r in results])
    parameters = json.loads(str(row.parameters))
    listed: list[Any] = [] if row.domains is None else list(row.domains)  # type: ignore[arg-type]
    covered = sorted({d for text in listed for d in str(text).split(";") if d})
    checklist = [
        {"domain": DOMAINS.labels.get(d, d), **item}
        for d in covered for item in parameters["policy"].get("checklists", {}).get(d, [])
    ]  # fmt: skip
    return PlanPublication(
        _announcement(row, day, len(results), within), checklist,
        [PublishedResult(r["uscc"], names.get(r["uscc"]), pd.Timestamp(r["inspection_date"]).date(),
                         r["result"], INSPECTION_RESULTS.labels.get(r["result"], r["result"]),
                         r["department"], pd.Timestamp(r["published_on"]).date())
         for r in results],
    )  # fmt: skip


def _recorded() -> str:
    """Every inspection result that names a plan, with the day it was first recorded and
    whether the plan was drawn here; its publication date by the rule of the module."""
    return """SELECT r.record_id, r.uscc, r.plan_id, r.inspection_date, r.result, r.department,
                     r.published_date, f.first_recorded, p.plan_id IS NOT NULL AS stored,
                     coalesce(r.published_date,
                              CASE WHEN p.plan_id IS NOT NULL THEN f.first_recorded END)
                         AS published_on
              FROM inspections r
              JOIN (SELECT record_id, CAST(min(_ingested_at) AS DATE) AS first_recorded
                    FROM (SELECT record_id, _ingested_at FROM inspections
                          UNION ALL SELECT record_id, _ingested_at FROM inspections_history)
                    GROUP BY record_id) f USING (record_id)
              LEFT JOIN plans p ON p.plan_id = r.plan_id
              WHERE r.plan_id IS NOT NULL"""


def _published(store: Store, day: dt.date, plan_id: str | None = None) -> pd.DataFrame:
    """Results of plans drawn here published by ``day`` and not withdrawn by then."""
    removing = list(load_publicity_policy().removing("inspections"))
    one = "AND plan_id = ?" if plan_id else ""
    with store.con.cursor() as cursor:
        return cursor.execute(
            f"""SELECT * FROM ({_recorded()}) AS x
                WHERE stored AND published_on <= ? AND inspection_date <= ? {one}
                  AND NOT EXISTS (SELECT 1 FROM record_events e
                                  WHERE e."table" = 'inspections' AND e.record_id = x.record_id
                                    AND list_contains(?, e.event_type) AND e.event_date <= ?)
                ORDER BY inspection_date, uscc, record_id""",
            [day, day, *([plan_id] if plan_id else []), removing, day],
        ).df()


def _masked_names(store: Store, usccs: list[str]) -> dict[str, str]:
    """The names the snapshot shows (an individual business's operator masked)."""
    if not usccs:
        return {}
    subjects = public_subjects(store, sorted(set(usccs)))
    return dict(zip(subjects.column("uscc").to_pylist(), subjects.column("name").to_pylist(),
                    strict=True))  # fmt: skip


def result_deadlines(
    store: Store, *, as_of: dt.date, policy: WorkflowPolicy | None = None
) -> pd.DataFrame:
    """One row per result recorded and per planned inspection of a plan drawn here without a
    result: ``plan_id``, ``stored``, ``uscc``, ``record_id``, ``inspection_date``,
    ``deadline``, ``published_on`` and ``status`` (:data:`STATUSES`) on ``as_of``."""
    rows = _deadline_rows(store, check_day(as_of), policy or load_workflow_policy())
    for column in ("inspection_date", "deadline", "published_on"):
        rows[column] = pd.Series(_dates(rows[column]), index=rows.index, dtype=object)
    return rows


def _deadline_rows(store: Store, as_of: dt.date, policy: WorkflowPolicy) -> pd.DataFrame:
    """:func:`result_deadlines` with its dates as ``datetime64`` (for aggregating)."""
    within = policy.inspection_results.publish_within_working_days
    with store.con.cursor() as cursor:
        results = cursor.execute(
            f"SELECT * FROM ({_recorded()}) WHERE inspection_date <= ?", [as_of]
        ).df()
        waiting = cursor.execute(
            """SELECT i.plan_id, i.uscc, p.as_of, p.parameters FROM plan_items i
               JOIN plans p USING (plan_id)
               WHERE p.as_of <= ? AND NOT EXISTS (
                   SELECT 1 FROM inspections r WHERE r.plan_id = i.plan_id AND r.uscc = i.uscc
                     AND r.inspection_date <= ?)""",
            [as_of, as_of],
        ).df()
    ends = {
        a: _period_end(pd.Timestamp(a).date(), json.loads(p))
        for a, p in zip(waiting["as_of"], waiting["parameters"], strict=True)
    }
    waiting = pd.DataFrame({
        "plan_id": waiting["plan_id"], "stored": True, "uscc": waiting["uscc"],
        "record_id": None, "inspection_date": pd.NaT,
        "from": pd.to_datetime(pd.Series([ends[a] for a in waiting["as_of"]], dtype=object)),
        "published_on": pd.NaT,
    })  # fmt: skip
    done = results.assign(**{"from": pd.to_datetime(results["inspection_date"])})
    rows = pd.concat([done[waiting.columns], waiting], ignore_index=True)
    return _judged(rows, as_of, within)


def _judged(rows: pd.DataFrame, as_of: dt.date, within: int) -> pd.DataFrame:
    """Each row's deadline (``within`` working days after ``from``) and status on ``as_of``."""
    start = rows["from"].to_numpy("datetime64[D]")
    if len(rows):
        calendar = _calendar(start.min().item(), start.max().item(), within)
        deadline = calendar.add_many(start, within)
    else:
        deadline = start
    published = pd.to_datetime(rows["published_on"]).to_numpy("datetime64[D]")
    day = np.datetime64(as_of, "D")
    shown = ~np.isnat(published) & (published <= day)
    status = np.select(
        [shown & (published <= deadline), shown, deadline < day],
        ["on_time", "published_late", "overdue"], default="pending",
    )  # fmt: skip
    out = rows.drop(columns="from").assign(deadline=deadline, status=status)
    out["published_on"] = published
    return out.sort_values(["plan_id", "deadline", "uscc"], kind="stable").reset_index(drop=True)


def _dates(column: pd.Series) -> list[dt.date | None]:
    return [None if pd.isna(v) else pd.Timestamp(v).date() for v in column]


def results_due(
    store: Store, *, as_of: dt.date, late_only: bool = True, policy: WorkflowPolicy | None = None
) -> pd.DataFrame:
    """Per plan, its results on ``as_of``: planned (plans drawn here), recorded, published on
    time or late, overdue (unpublished past the deadline), pending; the first deadline missed
    and the next one. ``late_only`` keeps the plans with a result overdue or published late,
    the most overdue first. Columns :data:`DUE_COLUMNS`."""
    rows = _deadline_rows(store, check_day(as_of), policy or load_workflow_policy())
    if rows.empty:
        return pd.DataFrame(columns=DUE_COLUMNS)
    with store.con.cursor() as cursor:
        plans = cursor.execute(
            """SELECT p.plan_id, p.as_of AS plan_as_of, count(i.uscc) AS planned FROM plans p
               LEFT JOIN plan_items i USING (plan_id) GROUP BY ALL"""
        ).df()
        departments = cursor.execute(
            """SELECT plan_id, mode(department) AS department FROM (
                   SELECT plan_id, department FROM inspections WHERE plan_id IS NOT NULL
                   UNION ALL SELECT plan_id, department FROM plan_items)
               GROUP BY plan_id"""
        ).df()
    counted = pd.get_dummies(rows["status"]).reindex(columns=list(STATUSES), fill_value=False)
    rows = pd.concat([rows, counted.astype(int)], axis=1)
    rows["recorded"] = rows["record_id"].notna().astype(int)
    rows["missed"] = rows["deadline"].where(rows["status"] == "overdue")
    rows["upcoming"] = rows["deadline"].where(rows["status"] == "pending")
    summary = rows.groupby("plan_id").agg(
        stored=("stored", "any"), results=("recorded", "sum"), published=("on_time", "sum"),
        published_late=("published_late", "sum"), overdue=("overdue", "sum"),
        pending=("pending", "sum"), first_missed=("missed", "min"),
        next_deadline=("upcoming", "min"),
    ).reset_index()  # fmt: skip
    summary["published"] += summary["published_late"]
    summary = summary.merge(plans, on="plan_id", how="left").merge(
        departments, on="plan_id", how="left"
    )
    summary["late"] = (summary["overdue"] + summary["published_late"]) > 0
    if late_only:
        summary = summary[summary["late"]]
    summary = summary.sort_values(["overdue", "published_late", "plan_id"],
                                  ascending=[False, False, True], kind="stable")  # fmt: skip
    for column in ("plan_as_of", "first_missed", "next_deadline"):
        summary[column] = _dates(summary[column])
    summary["planned"] = pd.Series([None if pd.isna(v) else int(v) for v in summary["planned"]],
                                   index=summary.index, dtype=object)  # fmt: skip
    return summary[DUE_COLUMNS].reset_index(drop=True)
