"""双公示 KPIs of the period: :func:`disclosure_report` over its decisions, and the codes
used under several names (重码) among them."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from credit_scoring.records.disclosure import disclosure_report, duplicated_codes
from credit_scoring.records.store import Store

__all__ = ["KPI_COLUMNS", "disclosure_kpis"]

KPI_COLUMNS = [
    "table", "authority", "decisions", "rejected", "published", "reporting_rate",
    "compliance_rate", "timeliness_rate_7wd", "timeliness_rate_20wd", "wrong_codes",
    "duplicate_codes", "uscc_errors", "uscc_error_rate",
]  # fmt: skip


def disclosure_kpis(
    store: Store,
    start: dt.date,
    end: dt.date,
    reported_on: dt.date,
    department: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 双公示 rates of licences and penalties decided in the period, with publications
    counted up to ``reported_on``, per table and deciding authority (each table's total
    first); and the codes with several names among those decisions: ``uscc``, ``names``,
    ``decisions`` of the period.

    With ``department``, only the decisions of the authority of that name.
    """
    report = disclosure_report(store, as_of=reported_on, period_from=start, period_to=end)
    summary = report.summary
    listed = report.exceptions[report.exceptions["problem"] == "duplicate_code"]
    if department is not None:
        summary = summary[summary["authority"] == department]
        listed = listed[listed["authority"] == department]
    detail = listed.groupby("uscc").size().rename("decisions").reset_index()
    detail = duplicated_codes(store).merge(detail, on="uscc")
    return summary[KPI_COLUMNS].reset_index(drop=True), detail
