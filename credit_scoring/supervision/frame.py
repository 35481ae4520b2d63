"""The sampling frame: every subject in a plan's scope, its stratum, and whether it may be drawn.

Built from the store as of a date with the grades the plan uses. Small named steps:
``subjects_in_scope`` (registered and active by then, inside the plan's regions and domains),
``inspection_history`` (the year's count, the last date and who inspected last time),
``_fresh_complaints``, ``overdue_rectifications`` (warning interviews past their deadline),
then the department, the stratum and the eligibility rules in pandas.
The eligible frame comes out in canonical order (by USCC), which the draw and the commitment
rely on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from credit_scoring.policies.sampling import DUE, GRADES, SamplingPolicy
from credit_scoring.records.store import Store
from credit_scoring.supervision.mandated import due_dates, mandated_minimum

__all__ = [
    "FRAME_COLUMNS",
    "Frame",
    "Scope",
    "build_frame",
    "inspection_history",
    "overdue_rectifications",
    "subjects_in_scope",
    "supervising_departments",
]

FRAME_COLUMNS = [
    "uscc", "stratum", "grade", "risk", "department", "region_code", "inspections_365d",
    "last_inspection", "last_inspectors", "fresh_complaint", "domains", "due_by",
]  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """Which subjects a plan covers; an empty field means no restriction."""

    department: str | None = None
    regions: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"department": self.department, "regions": list(self.regions),
                "domains": list(self.domains)}  # fmt: skip


@dataclass(frozen=True)
class Frame:
    """The eligible subjects (canonical order) and how many in scope were left out, and why."""

    eligible: pd.DataFrame
    in_scope: int
    excluded: dict[str, int] = field(default_factory=dict)
    # The due subjects an overdue rectification made due: uscc, interview (its record id),
    # department, rectify_by (ISO), by USCC. Sealed in the plan's parameters.
    rectification: tuple[dict[str, str], ...] = ()

    def without(self, drop: np.ndarray, reason: str) -> Frame:
        """The frame less the eligible rows flagged in ``drop``, counted under ``reason``."""
        if not drop.any():
            return self
        kept = self.eligible[~drop].reset_index(drop=True)
        left = set(kept["uscc"])
        return Frame(kept, self.in_scope, {**self.excluded, reason: int(drop.sum())},
                     tuple(r for r in self.rectification if r["uscc"] in left))  # fmt: skip


def _sql_date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def subjects_in_scope(store: Store, as_of: dt.date, scope: Scope) -> pd.DataFrame:
    conditions = [
        f"(registered_date IS NULL OR registered_date <= {_sql_date(as_of)})",
        "coalesce(status, 'active') = 'active'",  # the status as stored
    ]
    params: list[object] = []
    if scope.regions:
        conditions.append("list_contains(?, region_code)")
        params.append(list(scope.regions))
    if scope.domains:
        conditions.append("list_has_any(?, domains)")
        params.append(list(scope.domains))
    query = f"""SELECT uscc, region_code, domains[1] AS primary_domain, domains, registered_date
                FROM subjects
                WHERE {" AND ".join(conditions)}"""
    return store.con.execute(query, params).df()


def inspection_history(store: Store, as_of: dt.date) -> pd.DataFrame:
    """Per subject: inspections in the 365 days to ``as_of``, the last one and its inspectors."""
    day = _sql_date(as_of)
    # Ties on the last day are broken by record id, so "last time" is well defined.
    return store.con.execute(
        f"""SELECT uscc,
                   count(*) FILTER (WHERE inspection_date > {day} - INTERVAL 365 DAY)
                       AS inspections_365d,
                   max(inspection_date) AS last_inspection,
                   arg_max(inspectors, (inspection_date, record_id)) AS last_inspectors
            FROM inspections WHERE inspection_date <= {day} GROUP BY uscc"""
    ).df()


def _fresh_complaints(store: Store, as_of: dt.date, window_days: int) -> set[str]:
    """Subjects with a complaint received in the window and found substantiated by ``as_of``."""
    day = _sql_date(as_of)
    rows = store.con.execute(
        f"""SELECT DISTINCT uscc FROM complaints
            WHERE outcome = 'substantiated' AND received_date <= {day}
              AND received_date > {day} - INTERVAL {int(window_days)} DAY
              AND coalesce(closed_date, received_date) <= {day}"""
    ).fetchall()
    return {row[0] for row in rows}


def overdue_rectifications(store: Store, as_of: dt.date) -> pd.DataFrame:
    """Subjects past a warning interview's rectification deadline at ``as_of``: held by then,
    not rectified by then, and not inspected since the deadline (the next inspection checks the
    rectification). One row per subject, its earliest deadline: ``uscc``, ``interview`` (the
    record id), ``department`` (who interviewed it), ``rectify_by``."""
    day = _sql_date(as_of)
    return store.con.execute(
        f"""SELECT uscc, record_id AS interview, department, rectify_by FROM interviews i
            WHERE interview_date <= {day} AND rectify_by < {day}
              AND (rectified_date IS NULL OR rectified_date > {day})
              AND NOT EXISTS (SELECT 1 FROM inspections x WHERE x.uscc = i.uscc
                              AND x.inspection_date > i.rectify_by AND x.inspection_date <= {day})
            QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY rectify_by, record_id) = 1
            ORDER BY uscc"""
    ).df()


def supervising_departments(subjects: pd.DataFrame, policy: SamplingPolicy) -> pd.Series:
    """The first listed department whose regions and domains hold the subject's."""
    department = pd.Series(None, index=subjects.index, dtype=object)
    for entry in reversed(policy.departments):  # reversed: the first match wins
        match = subjects["region_code"].isin(entry.regions) & subjects["primary_domain"].isin(
            entry.domains
        )
        department[match.to_numpy()] = entry.name
    return department


def build_frame(
    store: Store,
    grades: pd.DataFrame,
    policy: SamplingPolicy,
    *,
    as_of: dt.date,
    scope: Scope = Scope(),
) -> Frame:
    """The eligible subjects of a plan as of ``as_of`` under ``policy``.

    ``grades`` has ``uscc``, ``grade`` and ``pd`` (as
    :meth:`credit_scoring.grading.Grader.grade_store` returns). A subject is left out, and
    counted under its reason, when it has no grade, reached the annual cap, or was inspected
    within the minimum gap; a fresh substantiated complaint overrides the gap (and the cap if
    the policy says so). A subject whose mandated inspection falls due by the end of the plan's
    period (``due_by`` at most ``as_of + period_days``) is in the stratum ``due``, taken with
    certainty: the rule that mandates it overrides the cap and the gap. So is a subject past
    the deadline of a warning interview's rectification (``due_by`` that deadline), in the
    plans of the department that interviewed it; the frame lists them in ``rectification``.
    """
    subjects = subjects_in_scope(store, as_of, scope)
    subjects["department"] = supervising_departments(subjects, policy)
    overdue = overdue_rectifications(store, as_of)
    # The interviewing department takes the subject into its own next plan.
    by = dict(zip(overdue["uscc"], overdue["department"], strict=True))
    interviewed = subjects["uscc"].isin(by).to_numpy()
    subjects.loc[interviewed, "department"] = subjects.loc[interviewed, "uscc"].map(by)
    if scope.department is not None:
        policy.department(scope.department)  # an unknown name is an error, not an empty plan
        subjects = subjects[subjects["department"] == scope.department]
    frame = subjects.merge(inspection_history(store, as_of), on="uscc", how="left")
    frame = frame.merge(
        grades[["uscc", "grade", "pd"]].rename(columns={"pd": "risk"}), on="uscc", how="left"
    )
    frame["inspections_365d"] = frame["inspections_365d"].fillna(0).astype(np.int64)
    frame["fresh_complaint"] = frame["uscc"].isin(
        _fresh_complaints(store, as_of, policy.eligibility.complaint_window_days)
    )
    frame["stratum"] = np.where(frame["fresh_complaint"], "complaint", frame["grade"])
    _, minimum = mandated_minimum(frame["domains"], frame["grade"], policy)
    due_by = due_dates(frame["last_inspection"], frame["registered_date"], minimum, as_of)
    # An overdue rectification is due on its deadline (before the plan: due, whatever the rest).
    deadlines = dict(zip(overdue["uscc"], pd.to_datetime(overdue["rectify_by"]), strict=True))
    rectify_by = pd.to_datetime(frame["uscc"].map(deadlines))
    due_by = due_by.mask(rectify_by.notna() & ~(due_by <= rectify_by), rectify_by)
    frame["due_by"] = due_by.dt.date
    period_end = pd.Timestamp(as_of + dt.timedelta(days=policy.period_days))
    frame.loc[(due_by <= period_end).to_numpy(), "stratum"] = DUE
    reasons = _exclusions(frame, policy, as_of)
    excluded = reasons.value_counts().to_dict()
    eligible = frame[reasons.isna()].sort_values("uscc", kind="stable").reset_index(drop=True)
    taken = overdue[overdue["uscc"].isin(eligible["uscc"])]
    rectification = tuple(
        {"uscc": u, "interview": i, "department": d, "rectify_by": str(pd.Timestamp(r).date())}
        for u, i, d, r in taken[["uscc", "interview", "department", "rectify_by"]].to_numpy()
    )
    return Frame(eligible[FRAME_COLUMNS], len(frame), {str(k): int(v) for k, v in excluded.items()},
                 rectification)  # fmt: skip


def _exclusions(frame: pd.DataFrame, policy: SamplingPolicy, as_of: dt.date) -> pd.Series:
    """Why each subject may not be drawn (None when it may), the first reason that applies."""
    rules = policy.eligibility
    last = pd.to_datetime(frame["last_inspection"])
    days_since = (pd.Timestamp(as_of) - last).dt.days
    complaint = frame["fresh_complaint"].to_numpy()
    due = (frame["stratum"] == DUE).to_numpy()
    capped = frame["inspections_365d"].to_numpy() >= rules.annual_cap
    if rules.complaint_bypasses_cap:
        capped &= ~complaint
    capped &= ~due
    too_recent = (days_since < rules.min_gap_days).fillna(False).to_numpy() & ~complaint & ~due
    no_grade = ~frame["grade"].isin(GRADES).to_numpy()
    reason = np.select(
        [no_grade, capped, too_recent], ["no_grade", "annual_cap", "min_gap"], default=""
    )
    return pd.Series(reason, index=frame.index).replace("", None)
