"""The inspection-frequency list regulators ask for: every subject in scope, its grade, the
yearly rate the sampling policy gives it, the minimum frequency its grade calls for, when it was
last inspected and whether it is overdue.

Overdue means no inspection within ``365 / minimum_frequency`` days before the date (for A's
default of once in two years, 730 days), or never inspected. The policy's random-sampling
rates (a few percent a year) are far below the food-safety minimum frequencies, so the list
also shows how far routine random inspection is from such a rule.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from credit_scoring.grading import Grader
from credit_scoring.policies.sampling import SamplingPolicy, load_sampling_policy
from credit_scoring.records.store import Store
from credit_scoring.supervision.exports import percent, table_xlsx_bytes
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
    ``minimum_frequency`` (inspections a year), ``inspections_365d``, ``last_inspection``,
    ``due_by`` (last inspection plus ``365 / minimum_frequency`` days; the date itself when
    never inspected) and ``overdue``.

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
    rates, minimum = policy.relative_rates, policy.minimum_frequency
    table["policy_yearly_rate"] = table["grade"].map(
        {g: min(1.0, policy.ordinary_rate * rates[g]) for g in minimum}
    )
    table["minimum_frequency"] = table["grade"].map(minimum)
    table["inspections_365d"] = table["inspections_365d"].fillna(0).astype(np.int64)
    last = pd.to_datetime(table["last_inspection"])
    interval = pd.to_timedelta(np.round(365 / table["minimum_frequency"]), unit="D")
    due = (last + interval).fillna(pd.Timestamp(as_of))
    table["due_by"] = due.dt.date
    table["last_inspection"] = last.dt.date
    table["overdue"] = (due <= pd.Timestamp(as_of)) & table["grade"].notna()
    ordered = table.sort_values(["department", "region_code", "uscc"], na_position="last")
    return ordered[list(FREQUENCY_HEADERS)].reset_index(drop=True)


def frequency_table_zh(table: pd.DataFrame) -> pd.DataFrame:
    """The list with Chinese headers and 是/否, as the CSV and XLSX exports show it."""
    readable = table.assign(
        overdue=table["overdue"].map({True: "是", False: "否"}),
        policy_yearly_rate=table["policy_yearly_rate"].map(percent),
    )
    return readable.rename(columns=FREQUENCY_HEADERS)


def frequencies_csv_bytes(table: pd.DataFrame) -> bytes:
    """The list as CSV, UTF-8 with a BOM, Chinese headers."""
    return frequency_table_zh(table).to_csv(index=False).encode("utf-8-sig")


def frequencies_xlsx_bytes(table: pd.DataFrame) -> bytes:
    """The list as XLSX: one sheet with every subject (filterable), then one per department."""
    readable = frequency_table_zh(table)
    department = FREQUENCY_HEADERS["department"]
    sheets = {"全部": readable}
    for name, rows in readable.groupby(readable[department].fillna("未归属部门"), sort=True):
        sheets[str(name)] = rows
    return table_xlsx_bytes(sheets)
