"""The inspection-frequency list regulators ask for: every subject in scope, its grade, the
yearly rate the sampling policy gives it, the minimum frequency its grade calls for where a
domain's rules mandate one, when it was last inspected and whether it is overdue.

A minimum frequency belongs to the domains whose rules mandate it (``mandated_frequency`` in
``models/sampling.yaml``: food safety in catering and markets). There, a subject is due
``365 / minimum_frequency`` days after its last inspection (for A's once in two years, 730
days; never inspected: after its registration) and overdue once that day has passed. Each plan
takes the subjects falling due in its period first, and the list names the latest plan that
did. Elsewhere the random-sampling rates (a few percent a year) decide and no subject is
overdue: holding every domain to the food-safety minimum made 80–94% of a city "overdue"
(issue 13).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from credit_scoring.grading import Grader
from credit_scoring.policies.sampling import DUE, GRADES, SamplingPolicy, load_sampling_policy
from credit_scoring.records.store import Store
from credit_scoring.spreadsheets import csv_bytes, xlsx_bytes
from credit_scoring.supervision.exports import percent
from credit_scoring.supervision.frame import (
    Scope,
    inspection_history,
    subjects_in_scope,
    supervising_departments,
)
from credit_scoring.supervision.mandated import due_dates, mandated_minimum

__all__ = [
    "FREQUENCY_HEADERS",
    "frequencies_csv_bytes",
    "frequencies_xlsx_bytes",
    "frequency_table_zh",
    "inspection_frequencies",
]

FREQUENCY_HEADERS = {
    "department": "检查部门",
    "region_code": "行政区划代码",
    "uscc": "统一社会信用代码",
    "name": "名称",
    "grade": "信用等级",
    "source": "评级依据",
    "model_version": "模型版本",
    "policy_yearly_rate": "年度抽查比例",
    "mandated_by": "最低频次依据领域",
    "minimum_frequency": "最低检查频次(次/年)",
    "inspections_365d": "近一年检查次数",
    "last_inspection": "最近检查日期",
    "due_by": "应检查日期",
    "overdue": "是否逾期",
    "planned_in": "法定检查所列计划",
}


def inspection_frequencies(
    store: Store,
    *,
    as_of: dt.date,
    grades: pd.DataFrame | None = None,
    policy: SamplingPolicy | None = None,
    scope: Scope | None = None,
    grader: Grader | None = None,
) -> pd.DataFrame:
    """One row per subject in scope, sorted by department, region and USCC.

    Columns: ``department``, ``region_code``, ``uscc``, ``name``, ``grade`` with the scorer that
    decided it (``source``, ``model_version``), ``policy_yearly_rate`` (B's ordinary rate times
    the grade's ratio, at most 1),
    ``mandated_by`` (the subject's domains whose rules mandate a minimum frequency, e.g. food
    safety in catering) and ``minimum_frequency`` (inspections a year; empty elsewhere),
    ``inspections_365d``, ``last_inspection``, ``due_by`` (last inspection, else registration,
    plus ``365 / minimum_frequency`` days; empty without a minimum), ``overdue`` (past its due
    day; never without a minimum: the 双随机 rates decide) and ``planned_in``, the latest plan up
    to ``as_of`` that took the subject as a mandated inspection.

    Examples
    --------
    >>> table = inspection_frequencies(store, as_of=dt.date(2026, 9, 30))  # doctest: +SKIP
    >>> table["overdue"].mean()  # doctest: +SKIP
    """
    policy = policy or load_sampling_policy()
    scope = scope or Scope()
    if grades is None:
        grader = grader or Grader.load(store)
        grades = grader.grade_store(store, as_of=as_of)
    subjects = subjects_in_scope(store, as_of, scope)
    subjects["department"] = supervising_departments(subjects, policy)
    if scope.department is not None:
        policy.department(scope.department)
        subjects = subjects[subjects["department"] == scope.department]
    names = store.con.execute("SELECT uscc, name FROM subjects").df()
    table = (
        subjects.merge(names, on="uscc", how="left")
        .merge(grades[["uscc", "grade", "source", "model_version"]], on="uscc", how="left")
        .merge(inspection_history(store, as_of), on="uscc", how="left")
    )
    rates = policy.relative_rates
    table["policy_yearly_rate"] = table["grade"].map(
        {g: min(1.0, policy.ordinary_rate * rates[g]) for g in GRADES}
    )
    table["mandated_by"], minimum = mandated_minimum(table["domains"], table["grade"], policy)
    table["minimum_frequency"] = minimum
    table["inspections_365d"] = table["inspections_365d"].fillna(0).astype(np.int64)
    due = due_dates(table["last_inspection"], table["registered_date"], minimum, as_of)
    last = pd.to_datetime(table["last_inspection"])
    table["due_by"] = due.dt.date.where(due.notna(), None)
    table["last_inspection"] = last.dt.date
    table["overdue"] = due < pd.Timestamp(as_of)
    table = table.merge(_mandated_plans(store, as_of), on="uscc", how="left")
    ordered = table.sort_values(["department", "region_code", "uscc"], na_position="last")
    return ordered[list(FREQUENCY_HEADERS)].reset_index(drop=True)


def _mandated_plans(store: Store, as_of: dt.date) -> pd.DataFrame:
    """Per subject, the latest plan dated up to ``as_of`` that took it as a mandated inspection."""
    return store.con.execute(
        """SELECT i.uscc, arg_max(p.plan_id, (p.as_of, p.plan_id)) AS planned_in
           FROM plan_items AS i JOIN plans AS p USING (plan_id)
           WHERE i.stratum = ? AND p.as_of <= ? GROUP BY i.uscc""",
        [DUE, as_of],
    ).df()


def frequency_table_zh(table: pd.DataFrame) -> pd.DataFrame:
    """The list with Chinese headers and 是/否, as the CSV and XLSX exports show it."""
    readable = table.assign(
        overdue=table["overdue"].map({True: "是", False: "否"}),
        policy_yearly_rate=table["policy_yearly_rate"].map(percent),
    )
    return readable.rename(columns=FREQUENCY_HEADERS)


def frequencies_csv_bytes(table: pd.DataFrame) -> bytes:
    """The list as CSV, UTF-8 with a BOM, Chinese headers."""
    return csv_bytes(frequency_table_zh(table))


def frequencies_xlsx_bytes(table: pd.DataFrame) -> bytes:
    """The list as XLSX: one sheet with every subject (filterable), then one per department."""
    readable = frequency_table_zh(table)
    department = FREQUENCY_HEADERS["department"]
    sheets = {"全部": readable}
    for name, rows in readable.groupby(readable[department].fillna("未归属部门"), sort=True):
        sheets[str(name)] = rows
    return xlsx_bytes(sheets)
