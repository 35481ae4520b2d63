"""Terminal rendering for the CLI: rich tables and progress bars, no logic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from credit_scoring.records.disclosure import DisclosureReport
from credit_scoring.records.ingestion import IngestResult
from credit_scoring.records.ingestion import Progress as StageProgress

if TYPE_CHECKING:
    from credit_scoring.demo import DemoResult

__all__ = [
    "disclosure_table",
    "file_progress",
    "ingest_table",
    "print_demo",
    "stage_progress",
]

_COUNTS = ("rows_read", "accepted", "updated", "duplicate", "rejected", "flagged")


def ingest_table(results: list[IngestResult]) -> Table:
    table = Table(title="Ingest summary 导入汇总", title_justify="left")
    table.add_column("table")
    for name in _COUNTS:
        table.add_column(name, justify="right")
    table.add_column("encoding")
    table.add_column("s", justify="right")
    for r in results:
        counts = [f"{getattr(r, name):,}" for name in _COUNTS]
        style = "yellow" if r.rejected else None
        table.add_row(r.table, *counts, r.encoding or r.format, f"{r.seconds:.1f}", style=style)
    return table


def disclosure_table(report: DisclosureReport, max_rows: int = 20) -> Table:
    title = f"双公示 compliance {report.period_from} – {report.as_of}"
    table = Table(title=title, title_justify="left")
    columns = [
        "table",
        "authority",
        "decisions",
        "rejected",
        "reporting_rate",
        "compliance_rate",
        "timeliness_rate_7wd",
        "timeliness_rate_20wd",
    ]
    headers = [
        "table",
        "authority 机关",
        "decisions",
        "rejected",
        "reporting 报送率",
        "compliance 合规率",
        "on time ≤7wd 及时率",
        "≤20wd",
    ]
    for header, name in zip(headers, columns, strict=True):
        table.add_column(header, justify="left" if name in {"table", "authority"} else "right")
    for _, row in report.summary.head(max_rows).iterrows():
        table.add_row(*(_cell(row[c]) for c in columns))
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "–" if pd.isna(value) else f"{value:.1%}"
    return f"{value:,}" if isinstance(value, int) else str(value)


@contextmanager
def file_progress(
    console: Console, enabled: bool
) -> Iterator[Callable[[str, Path], StageProgress | None]]:
    """A progress bar per file, by stage; ``enabled=False`` gives a callback that shows nothing."""
    if not enabled:
        yield lambda table, path: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:

        def on_file(table: str, path: Path) -> StageProgress | None:
            task = progress.add_task(f"{table}: {path.name}", total=1.0)

            def on_stage(stage: str, fraction: float) -> None:
                progress.update(task, description=f"{table}: {stage}", completed=fraction)

            return on_stage

        yield on_file


@contextmanager
def stage_progress(console: Console, enabled: bool) -> Iterator[Callable[[str, float], None]]:
    """One bar that follows a job's stages, each reported with its overall fraction done."""
    if not enabled:
        yield lambda stage, fraction: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("generating city", total=1.0)
        yield lambda stage, fraction: progress.update(task, description=stage, completed=fraction)


def print_demo(console: Console, result: DemoResult) -> None:
    """The demo's readable summary: the city, what ingestion did, the 双公示 report."""
    city = result.city
    subjects = city.row_counts.get("subjects", 0)
    records = sum(n for name, n in city.row_counts.items() if name != "subjects")
    console.rule("[bold]Synthetic city → records store → 双公示 report")
    console.print(
        f"City: {subjects:,} subjects and {records:,} records in {len(city.files)} files "
        f"({city.out_dir}); {result.seconds['generate']:.1f} s"
    )
    console.print(ingest_table(result.ingests))
    planted = sum(
        n
        for table in city.planted.values()
        for code, n in table.items()
        if code != "ID_CHECKSUM_MISMATCH"
    )
    rejected = sum(r.rejected for r in result.ingests)
    flagged = sum(r.flagged for r in result.ingests)
    console.print(
        f"Rejected {rejected:,} rows (the city planted {planted:,} bad ones) and flagged "
        f"{flagged:,} with a USCC check-character mismatch; every one is listed with its reason "
        f"in {result.db.parent / 'rejects'}"
    )
    console.print(disclosure_table(result.disclosure, max_rows=12))
    console.print(
        f"Store: {result.db}  ·  ingest {result.seconds['ingest']:.1f} s, "
        f"report {result.seconds['report']:.1f} s"
    )
