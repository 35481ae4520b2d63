"""Statistics for higher authorities: a period's grades and their movements, 双公示 KPIs,
commitments, objections and repairs, inspections and joint measures, by department and region;
as JSON or as an XLSX workbook with a chart on each sheet.

Examples
--------
>>> parse_period("2026-Q3")
(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
>>> stats = period_statistics(store, engine, period="2026Q3")  # doctest: +SKIP
>>> data = statistics_xlsx_bytes(stats)  # doctest: +SKIP
"""

from credit_scoring.statistics._period import last_ended_quarter, parse_period
from credit_scoring.statistics._report import TABLES, Statistics, period_statistics
from credit_scoring.statistics._units import ALL, UNASSIGNED
from credit_scoring.statistics._workbook import SHEETS, statistics_xlsx_bytes

__all__ = [
    "ALL",
    "SHEETS",
    "TABLES",
    "UNASSIGNED",
    "Statistics",
    "last_ended_quarter",
    "parse_period",
    "period_statistics",
    "statistics_xlsx_bytes",
]
