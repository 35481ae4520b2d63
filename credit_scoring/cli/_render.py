"""Terminal rendering for the CLI: rich tables and progress bars, no logic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from credit_scoring.cli._common import grading_line
from credit_scoring.policies import GRADE_LABELS
from credit_scoring.records.disclosure import ALL_AUTHORITIES, DisclosureReport
from credit_scoring.records.ingestion import IngestResult
from credit_scoring.records.ingestion import Progress as StageProgress

if TYPE_CHECKING:
    from credit_scoring.demo import DemoResult
    from credit_scoring.explain.explanation import Explanation
    from credit_scoring.models.training import TrainResult

__all__ = [
    "disclosure_table",
    "file_progress",
    "grade_distribution",
    "ingest_table",
    "print_demo",
    "print_explanation",
    "print_training",
    "records_table",
    "stage_progress",
]

_COUNTS = {
    "rows_read": "read",
    "accepted": "new",
    "updated": "updated",
    "duplicate": "dup",
    "rejected": "rejected",
    "flagged": "flagged",
}
# Report column -> header; kept short so the table fits an 80-column terminal.
_DISCLOSURE = {
    "table": "table",
    "authority": "authority 机关",
    "decisions": "decided",
    "rejected": "rejected",
    "reporting_rate": "报送率",
    "compliance_rate": "合规率",
    "timeliness_rate_7wd": "≤7wd",
    "timeliness_rate_20wd": "≤20wd",
}


def ingest_table(results: list[IngestResult]) -> Table:
    table = _table("Ingest summary 导入汇总")
    table.add_column("table", no_wrap=True)
    for header in _COUNTS.values():
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("encoding", no_wrap=True)
    table.add_column("s", justify="right", no_wrap=True)
    for r in results:
        counts = [f"{getattr(r, name):,}" for name in _COUNTS]
        style = "yellow" if r.rejected else None
        table.add_row(r.table, *counts, r.encoding or r.format, f"{r.seconds:.1f}", style=style)
    return table


def disclosure_table(report: DisclosureReport, worst: int = 3) -> Table:
    """Each table's total row, then its ``worst`` authorities by timeliness."""
    table = _table(f"双公示 compliance, decisions {report.period_from} – {report.as_of}")
    for name, header in _DISCLOSURE.items():
        if name in {"table", "authority"}:
            table.add_column(header, no_wrap=True, max_width=16 if name == "authority" else None)
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for _, group in report.summary.groupby("table", sort=False):
        total = group["authority"] == ALL_AUTHORITIES
        shown = pd.concat([group[total], group[~total].nsmallest(worst, "timeliness_rate_7wd")])
        for i, (_, row) in enumerate(shown.iterrows()):
            style = "bold" if i == 0 else None
            table.add_row(*(_cell(row[c]) for c in _DISCLOSURE), style=style)
    return table


def _table(title: str) -> Table:
    """Compact: one space between columns, so a summary fits an 80-column terminal."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        pad_edge=False,
    )


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
    console.print(disclosure_table(result.disclosure))
    console.rule("[bold]Grades as of the city's last day")
    print_training(console, result.training)
    counts = result.grades["grade"].value_counts().reindex(list("ABCD"), fill_value=0)
    console.print(grade_distribution(counts))
    console.print(grading_line(result.grading))
    if result.example is not None:
        console.rule("[bold]Why this subject is D")
        print_explanation(console, result.example)
    if result.plan is not None:
        from credit_scoring.cli._render_supervision import print_demo_plan

        console.rule("[bold]双随机 inspection plan for the next quarter")
        print_demo_plan(console, result.plan, result.plan_lifts, result.db)
    seconds = result.seconds
    console.print(
        f"Store {result.db}; grades {result.db.parent / 'grades.parquet'}; MLflow "
        f"{result.db.parent / 'mlruns'}. Seconds: generate {seconds['generate']:.0f}, ingest "
        f"{seconds['ingest']:.0f}, report {seconds['report']:.0f}, train {seconds['train']:.0f}, "
        f"grade {seconds['grade']:.0f}, plan {seconds.get('plan', 0):.0f}"
    )


def grade_distribution(counts: pd.Series) -> Table:
    table = _table("Grades 信用等级")
    labels = GRADE_LABELS
    for header in ("grade", "", "subjects", "share"):
        table.add_column(header, justify="right" if header in {"subjects", "share"} else "left")
    total = max(int(counts.sum()), 1)
    for grade, n in counts.items():
        table.add_row(str(grade), labels[str(grade)], f"{int(n):,}", f"{int(n) / total:.1%}")
    return table


def print_training(console: Console, result: TrainResult) -> None:
    """Validation metrics per scorer, adverse rate per grade, and what became of the model."""
    window = result.data_window
    console.print(
        f"Trained on origins {window['train_origins']} ({int(window['train_rows']):,} rows); "
        f"validated out of time on {window['validation_origin']} → {window['known_by']} "
        f"({int(window['evaluation_rows']):,} subjects held out)"
    )
    table = _table("Validation (12-month adverse outcome)")
    for header in ("scorer", "AUC", "KS", "Brier"):
        table.add_column(header, justify="left" if header == "scorer" else "right")
    for name, values in result.metrics.items():
        table.add_row(name, f"{values['auc']:.3f}", f"{values['ks']:.3f}", f"{values['brier']:.4f}")
    console.print(table)
    rates = _table("Adverse rate by grade")
    for header in ("grade", "subjects", "adverse rate"):
        rates.add_column(header, justify="left" if header == "grade" else "right")
    for grade, row in result.grade_rates.iterrows():
        rates.add_row(str(grade), f"{int(row['subjects']):,}", _cell(float(row["adverse_rate"])))
    console.print(rates)
    if result.domains is not None:
        console.print(_domain_table(result.domains))
    role = "champion" if result.champion else "challenger"
    console.print(f"Model version {result.model_version} is the {role}: {'; '.join(result.notes)}")


def _domain_table(report: pd.DataFrame) -> Table:
    """Each domain's AUC, mean predicted against observed adverse rate, and grade shares."""
    table = _table("By domain (分类), evaluation half")
    for header in ("domain", "subjects", "AUC", "pred.", "obs.", "A", "B", "C", "D"):
        table.add_column(header, justify="left" if header == "domain" else "right", no_wrap=True)
    for domain, row in report.iterrows():
        auc = "–" if pd.isna(row["auc"]) else f"{row['auc']:.3f}"
        shares = [_cell(float(row[f"share_{g}"])) for g in "ABCD"]
        table.add_row(str(domain), f"{int(row['subjects']):,}", auc, _cell(float(row["predicted"])),
                      _cell(float(row["observed"])), *shares)  # fmt: skip
    return table


def print_explanation(console: Console, explanation: Explanation) -> None:
    """The reviewer's view: grade, overrides, the reasons with their records, positive factors."""
    e = explanation
    probability = "–" if e.pd is None else f"{e.pd:.1%}"
    console.print(
        f"[bold]{e.uscc}[/bold]  grade [bold]{e.grade}[/bold] as of {e.as_of}  "
        f"(source {e.source}, score {e.score:g}, 12-month adverse probability {probability})"
    )
    opinion = ", ".join(f"{k} {v}" for k, v in e.second_opinion.items())
    flag = "  [red]disagree by more than one grade[/red]" if e.disagreement else ""
    console.print(f"second opinion: {opinion or '–'}{flag}")
    for title, reasons in (
        ("Overrides 强制规则", e.overrides),
        ("Reasons 主要扣分原因", e.reasons),
    ):
        if not reasons:
            continue
        table = _table(title)
        table.add_column("reason 原因", ratio=1)
        table.add_column("分 points", justify="right", no_wrap=True)
        # Record ids are copied by hand into other systems: one a line, never broken.
        table.add_column("records 依据记录", no_wrap=True)
        for r in reasons:
            shown = "–" if r.points is None else f"{r.points:+.1f}"
            table.add_row(f"{r.text_zh}\n{r.text_en}\n[dim]{r.code}[/dim]", shown,
                          _record_lines(r.record_ids), end_section=True)  # fmt: skip
        console.print(table)
    if e.positives:
        console.print("Positive factors 加分因素: " + "; ".join(r.text_zh for r in e.positives))
    console.print(f"policy {e.policy_version}, model {e.model_version}")


def _record_lines(ids: list[str], shown: int = 4) -> str:
    more = len(ids) - shown
    return "\n".join(ids[:shown] + ([f"… {more} more 另{more}条"] if more > 0 else [])) or "–"


def records_table(title: str, rows: list[dict[str, object]]) -> Table:
    """Rows of dicts as a table (objections, repairs)."""
    table = _table(title)
    for column in rows[0] if rows else ["(none)"]:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    return table
