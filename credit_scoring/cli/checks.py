"""Batch credit checks (批量信用核查): ``check --scenario S --in LIST --out RESULT``.

The check reads the grades and records the HTTP service serves (the current snapshot with its
regrades), so a list checked here and the same list uploaded to ``/v1/credit-checks/batch``
give the same answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Json, Snapshots, WorkflowDb
from credit_scoring.errors import InvalidInput

if TYPE_CHECKING:
    from credit_scoring.batch_checks import BatchCheck

app = typer.Typer()

_OUT_FORMATS = (".xlsx", ".csv")


@app.command("check")
@cli.fails_cleanly
def check(
    scenario: Annotated[str, typer.Option(
        help="licensing, procurement, tendering, funding or honours.")],
    in_: Annotated[Path, typer.Option("--in", help="The list: .xlsx, or .csv (UTF-8/GB18030).")],
    out: Annotated[Path, typer.Option(help="The result: .xlsx (with a 汇总 sheet) or .csv.")],
    column: Annotated[str | None, typer.Option(
        help="The column of codes. Default: 统一社会信用代码.", show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option(
        help="The day of the check (YYYY-MM-DD). Default: today (CREDIT_SCORING_TODAY).",
        show_default=False)] = None,
    snapshots: Snapshots = None,
    workflow_db: WorkflowDb = None,
    as_json: Json = False,
) -> None:  # fmt: skip
    """Check every row of a list of codes for a scenario; no row is dropped."""
    import datetime as dt

    from credit_scoring.batch_checks import DEFAULT_COLUMN, check_list, read_list
    from credit_scoring.workflows import connect, served_now

    if out.suffix.lower() not in _OUT_FORMATS:
        raise InvalidInput(f"--out must end in .xlsx or .csv; got {out.name!r}", field="--out")
    config = cli.settings(snapshot_dir=snapshots, workflow_db_url=workflow_db)
    day = cli.parse_date(as_of) if as_of else config.today or dt.date.today()
    listed = read_list(in_, column or DEFAULT_COLUMN)
    engine = connect(config.workflow_db_url)
    try:
        served = served_now(config.snapshot_dir, engine, verify=config.verify_snapshots)
    finally:
        engine.dispose()
    batch = check_list(served, listed, scenario, day)
    out.write_bytes(batch.xlsx() if out.suffix.lower() == ".xlsx" else batch.csv())
    if as_json:
        cli.print_json({**batch.summary(), "out": str(out)})
        return
    _print_summary(batch, out)


def _print_summary(batch: BatchCheck, out: Path) -> None:
    """What was checked, the rows per outcome and per measure, rows in and out; 80 columns."""
    from rich import box
    from rich.table import Table

    from credit_scoring.batch_checks import OUTCOMES

    cli.console.print(
        f"{batch.file}: {len(batch.rows):,} rows checked for {batch.scenario} "
        f"({batch.scenario_zh}) on {batch.day}",
        highlight=False,
    )
    snapshot = f"snapshot {batch.snapshot_id}, measures {batch.policy_version}"
    cli.console.print(snapshot, highlight=False)
    table = Table(box=box.SIMPLE, show_header=True, padding=(0, 1))
    table.add_column("结果 / 措施", overflow="fold", max_width=52)
    table.add_column("rows", justify="right")
    for outcome, n in batch.counts().items():
        table.add_row(f"{OUTCOMES[outcome]} ({outcome})", f"{n:,}")
    table.add_row("重复 (repeats of an earlier row)", f"{batch.repeats():,}", end_section=True)
    for code, n in batch.measure_counts().items():
        table.add_row(f"{code} {batch.scenario_measures[code]}", f"{n:,}")
    cli.console.print(table)
    rows = f"{batch.rows_in:,} rows in, {len(batch.rows):,} rows out"
    cli.console.print(f"{rows}; written to {out}", highlight=False)
