"""``report statistics``: a period's figures for higher authorities, as a workbook or JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Mlruns, WorkflowDb
from credit_scoring.cli.records import report_app
from credit_scoring.errors import InvalidInput

if TYPE_CHECKING:
    from credit_scoring.statistics import Statistics

_FORMATS = (".xlsx", ".json")


@report_app.command("statistics")
@cli.fails_cleanly
def report_statistics(
    period: Annotated[str, typer.Option(help="2026Q3, 2026-Q3, 2026M07, 2026-07 or 2026.")],
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    reported_on: Annotated[
        str | None,
        typer.Option(help="Count 双公示 publications made by this day (default today)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="The workbook (.xlsx) or the figures (.json). "
                     "Default: data/reports/statistics-<period>.xlsx."),
    ] = None,
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Grades and their movements, 双公示 KPIs, commitments, objections and repairs,
    inspections and measures of a period, by department and region."""
    from credit_scoring.records.store import Store
    from credit_scoring.statistics import parse_period, period_statistics, statistics_xlsx_bytes
    from credit_scoring.workflows import connect

    parse_period(period)  # a bad period, date or file type fails before the store is opened
    reported = cli.optional_date(reported_on, "--reported-on") or dt.date.today()
    if out is not None and out.suffix.lower() not in _FORMATS:
        raise InvalidInput(f"--out must end in .xlsx or .json; got {out.name!r}", field="--out")
    config = cli.settings(db_path=db, workflow_db_url=workflow_db, mlruns=mlruns)
    with Store(config.db_path, read_only=True) as store:
        engine = connect(config.workflow_db_url)
        stats = period_statistics(store, engine, period=period, department=department,
                                  grader=cli.load_grader(store, config),
                                  reported_on=reported)  # fmt: skip
        engine.dispose()
    out = out or Path("data/reports") / f"statistics-{stats.period}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(stats.to_json(), ensure_ascii=False, indent=1), "utf-8")
    else:
        out.write_bytes(statistics_xlsx_bytes(stats))
    if as_json:
        cli.print_json({**stats.to_json(), "out": out})
        return
    _print_summary(stats)
    cli.console.print(f"written to {out}")
    cli.console.print(cli.grading_line(stats.grading))


def _table(title: str, *headers: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1),
                  collapse_padding=True, pad_edge=False)  # fmt: skip
    for position, header in enumerate(headers):
        table.add_column(header, justify="left" if position == 0 else "right")
    return table


def _share(value: float) -> str:
    return "–" if value != value else f"{value:.1%}"  # an empty rate is NaN, unequal to itself


def _print_summary(stats: Statistics) -> None:
    """The totals of each area in a few short tables (the workbook has them by unit)."""
    from credit_scoring.statistics import ALL

    scope = stats.department or "all departments"
    cli.console.print(f"[bold]Statistics {stats.period}[/bold] ({stats.start} – {stats.end}), "
                      f"{scope}")  # fmt: skip
    cli.console.print(_grades(stats, ALL))
    # Each table's first row: its total, or the department's own row when limited to one.
    disclosure = _table("双公示", "table", "decided", "报送率", "合规率", "≤7wd", "重错码率")
    for _, row in stats.disclosure.groupby("table", sort=False).head(1).iterrows():
        rates = ("reporting_rate", "compliance_rate", "timeliness_rate_7wd", "uscc_error_rate")
        disclosure.add_row(row["table"], f"{row['decisions']:,}", *(_share(row[c]) for c in rates))
    cli.console.print(disclosure)
    cli.console.print(_activity(stats))
    inspections = _table("Inspections by grade 双随机检查", "grade", "planned", "done",
                         "violations", "found in")  # fmt: skip
    for _, row in stats.inspections[stats.inspections["department"] == ALL].iterrows():
        inspections.add_row(str(row["grade"]), f"{row['planned']:,}", f"{row['done']:,}",
                            f"{row['violations']:,}", _share(row["violation_rate"]))  # fmt: skip
    cli.console.print(inspections)


def _grades(stats: Statistics, total_unit: str) -> Table:
    """Subjects per grade at the opening and the close, with the moves up and down."""
    total = stats.grades.iloc[0]
    table = _table("Grades 信用等级", "grade", "opening", "closing", "share")
    migrations = stats.migrations
    for _, row in migrations[migrations["department"] == total_unit].iterrows():
        grade = str(row["from_grade"])
        closing = [f"{total[grade]:,}", _share(total[f"{grade}_share"])] if grade in total else []
        table.add_row(grade, f"{row['total']:,}", *closing)
    table.caption = f"moved up {total['upgraded']:,}, down {total['downgraded']:,}"
    table.caption_justify = "left"
    return table


def _activity(stats: Statistics) -> Table:
    commitments, cases = stats.commitments.iloc[0], stats.cases.iloc[0]
    figures = {
        "commitments 承诺": {"signed": commitments["signed"], "due": commitments["due"],
                           "fulfilled": commitments["fulfilled"],
                           "breached": commitments["breached"]},
        "objections 异议": {"filed": cases["objections_filed"],
                          "decided": cases["objections_decided"],
                          "overdue": cases["objections_overdue"],
                          "imported": cases["imported_objections_filed"]},
        "repairs 修复": {"filed": cases["repairs_filed"], "decided": cases["repairs_decided"],
                       "overdue": cases["repairs_overdue"],
                       "imported": cases["imported_repairs_approved"]},
    }  # fmt: skip
    table = _table("In the period 本期 (imported: filed or approved elsewhere)", *[""] * 5)
    table.show_header = False
    for name, counts in figures.items():
        table.add_row(name, *(f"{label} {int(count):,}" for label, count in counts.items()))
    return table
