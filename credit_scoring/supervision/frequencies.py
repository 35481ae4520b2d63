"""The inspection-frequency list regulators ask for: every subject in scope, its grade, the
yearly rate the sampling policy gives it, the minimum frequency its grade calls for where a
domain's rules mandate one, when it was last inspected and whether it is overdue.

A minimum frequency belongs to the domains whose rules mandate it (``mandated_frequency`` in
``models/sampling.yaml``: food safety in catering and markets). There, overdue means no
inspection within ``365 / minimum_frequency`` days before the date (for A's once in two years,
730 days), or never inspected. Elsewhere the random-sampling rates (a few percent a year) decide
and no subject is overdue: holding every domain to the food-safety minimum made 80–94% of a city
"overdue" (issue 13).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from credit_scoring.grading import Grader
from credit_scoring.policies.sampling import GRADES, SamplingPolicy, load_sampling_policy
from credit_scoring.records.store import Store
from credit_scoring.spreadsheets import csv_bytes, xlsx_bytes
from credit_scoring.supervision.exports import percent
from credit_scoring.supervision.frame import (
    Scope,
    inspection_history,
    subjects_in_scope,
    supervising_departments,
)

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
    ``inspections_365d``, ``last_inspection``, ``due_by`` (last inspection plus ``365 /
    minimum_frequency`` days; the date itself when never inspected; empty without a minimum) and
    ``overdue`` (never, without a minimum: the 双随机 rates decide).

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
    table["mandated_by"], table["minimum_frequency"] = _mandated(table, policy)
    table["inspections_365d"] = table["inspections_365d"].fillna(0).astype(np.int64)
    last = pd.to_datetime(table["last_inspection"])
    interval = pd.to_timedelta(np.round(365 / table["minimum_frequency"]), unit="D")
    due = (last + interval).fillna(pd.Timestamp(as_of))
    table["due_by"] = due.dt.date
    table["last_inspection"] = last.dt.date
    table["overdue"] = (due <= pd.Timestamp(as_of)) & table["minimum_frequency"].notna()
    table.loc[table["minimum_frequency"].isna(), "due_by"] = None
    ordered = table.sort_values(["department", "region_code", "uscc"], na_position="last")
    return ordered[list(FREQUENCY_HEADERS)].reset_index(drop=True)


def _mandated(table: pd.DataFrame, policy: SamplingPolicy) -> tuple[list[str | None], np.ndarray]:
    """Per subject, the domains whose rules mandate a minimum frequency, and the highest such
    minimum for its grade (NaN where none applies: no minimum, so never overdue)."""
    mandated = policy.mandated_frequency
    domains, minimum = [], np.full(len(table), np.nan)
    for i, (own, grade) in enumerate(zip(table["domains"], table["grade"], strict=True)):
        binding = [d for d in (own if own is not None else ()) if d in mandated]
        domains.append(";".join(binding) or None)
        if binding and isinstance(grade, str):
            minimum[i] = max(mandated[d][grade] for d in binding)  # type: ignore[index]
    return domains, minimum


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
