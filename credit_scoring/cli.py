"""The ``credit-scoring`` command line: thin commands over the library.

Each command parses its options, calls one library function and prints a short summary (or,
with ``--json``, one JSON object on stdout). A failure prints one line saying why and exits 1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from credit_scoring import _render
from credit_scoring.errors import CreditScoringError
from credit_scoring.records.contract import TABLES
from credit_scoring.records.disclosure import disclosure_report
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.store import DEFAULT_DB, Store
from credit_scoring.workflows.database import DEFAULT_URL

# LightGBM's OpenMP threads spin while waiting; on a shared 2-core machine that stalls training
# tenfold (NOTES.md). Passive waiting must be chosen before LightGBM loads, so here, at start-up.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

app = typer.Typer(
    help="Tiered public-credit scoring and graded supervision (信用分级分类监管).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
report_app = typer.Typer(help="Reports over the records store.", no_args_is_help=True)
app.add_typer(report_app, name="report")

console = Console()
errors = Console(stderr=True)

Db = Annotated[Path, typer.Option("--db", help="The records store (DuckDB file).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a summary.")]
F = TypeVar("F", bound=Callable[..., Any])


def _fails_cleanly(command: F) -> F:
    """Turn the library's errors into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (CreditScoringError, KeyError, ValueError, FileNotFoundError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            errors.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


def _date(value: str | None) -> dt.date | None:
    return _parse_date(value) if value else None


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2026-06-30") from None


@app.command("demo-data")
@_fails_cleanly
def demo_data(
    out: Annotated[Path, typer.Option(help="Folder for the city's files.")] = Path(
        "data/demo/city"
    ),
    subjects: Annotated[int, typer.Option(min=1, help="Number of subjects.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    as_json: Json = False,
) -> None:
    """Write a synthetic city: every table of the contract as files, a few rows bad on purpose."""
    from credit_scoring.synth import generate_city

    with _render.stage_progress(console, not as_json) as on_stage:
        city = generate_city(out, n_subjects=subjects, seed=seed, progress=on_stage)
    if as_json:
        _print_json(
            {
                "out_dir": city.out_dir,
                "files": city.files,
                "rows": city.row_counts,
                "planted": city.planted,
                "truth": city.truth,
            }
        )
        return
    for name, path in city.files.items():
        console.print(f"{name:>14}  {city.row_counts.get(name, 0):>10,} rows  {path}")
    console.print(f"truth (never ingest): {city.truth}")


@app.command()
@_fails_cleanly
def ingest(
    table: Annotated[str, typer.Argument(help=f"One of: {', '.join(TABLES)}.")],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030), XLSX or Parquet.")],
    db: Db = DEFAULT_DB,
    strict: Annotated[
        bool, typer.Option(help="Reject codes that fail only their check character.")
    ] = False,
    today: Annotated[
        str | None, typer.Option(help="Ingest date (YYYY-MM-DD); later event dates are rejected.")
    ] = None,
    rejects_dir: Annotated[
        Path | None, typer.Option(help="Where the rejects CSV goes (default: beside the store).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Validate FILE against TABLE's contract and store what passes, atomically."""
    with Store(db) as store, _render.file_progress(console, not as_json) as on_file:
        result = ingest_file(
            store,
            table,
            file,
            strict=strict,
            today=_date(today),
            rejects_dir=rejects_dir,
            progress=on_file(table, file),
        )
    if as_json:
        _print_json(result.as_dict())
        return
    console.print(_render.ingest_table([result]))
    if result.unknown_columns:
        console.print(f"ignored columns not in the contract: {', '.join(result.unknown_columns)}")
    if result.rejects_file:
        console.print(f"rejected and flagged rows with reasons: {result.rejects_file}")


@report_app.command("disclosure")
@_fails_cleanly
def report_disclosure(
    db: Db = DEFAULT_DB,
    as_of: Annotated[str | None, typer.Option(help="Report date (default today).")] = None,
    period_from: Annotated[
        str | None, typer.Option("--from", help="First decision date (default a year back).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Summary CSV; exceptions go beside it.")] = Path(
        "data/reports/disclosure.csv"
    ),
    as_json: Json = False,
) -> None:
    """双公示 reporting, compliance and timeliness rates per authority, with the late records."""
    with Store(db) as store:
        report = disclosure_report(
            store, as_of=_date(as_of) or dt.date.today(), period_from=_date(period_from)
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    exceptions = out.with_name(out.stem + "-exceptions.csv")
    report.summary.to_csv(out, index=False, encoding="utf-8-sig")
    report.exceptions.to_csv(exceptions, index=False, encoding="utf-8-sig")
    if as_json:
        _print_json(
            {
                "summary": report.summary.to_dict("records"),
                "summary_file": out,
                "exceptions": len(report.exceptions),
                "exceptions_file": exceptions,
                "estimated_calendar": report.estimated_calendar,
            }
        )
        return
    console.print(_render.disclosure_table(report))
    console.print(
        f"summary: {out}\nlate and non-compliant records ({len(report.exceptions):,}): {exceptions}"
    )


@app.command()
@_fails_cleanly
def features(
    as_of: Annotated[str, typer.Option(help="Compute with only what was known on this date.")],
    db: Db = DEFAULT_DB,
    out: Annotated[Path | None, typer.Option(help="Write the table (.parquet or .csv).")] = None,
    all_attributes: Annotated[
        bool, typer.Option(help="Also compute attributes not used for grading (region, industry).")
    ] = False,
    as_json: Json = False,
) -> None:
    """Compute every catalog feature for every subject as of a date."""
    from credit_scoring.features import build_features, load_catalog
    from credit_scoring.features.summary import share_with_records, write_table

    catalog = load_catalog()
    catalog = catalog if all_attributes else catalog.risk_features()
    started = time.perf_counter()
    with Store(db) as store:
        frame = build_features(store, catalog, as_of=_parse_date(as_of))
    seconds = time.perf_counter() - started
    summary = {
        "as_of": as_of,
        "rows": len(frame),
        "features": len(catalog),
        "share_with_records": round(share_with_records(frame, catalog), 4),
        "seconds": round(seconds, 2),
        "out": str(write_table(frame, out)) if out else None,
    }
    if as_json:
        _print_json(summary)
        return
    console.print(
        f"{summary['rows']:,} subjects × {summary['features']} features as of {as_of} in "
        f"{seconds:.1f} s; {summary['share_with_records']:.1%} have at least one record counted"
    )
    if out:
        console.print(f"written to {out}")


Mlruns = Annotated[Path, typer.Option("--mlruns", help="MLflow tracking folder.")]


@app.command()
@_fails_cleanly
def train(
    as_of: Annotated[str, typer.Option(help="Train with only what was known on this date.")],
    db: Db = DEFAULT_DB,
    mlruns: Mlruns = Path("mlruns"),
    seed: Annotated[int, typer.Option(help="Random seed of the learned models.")] = 0,
    origins: Annotated[int, typer.Option(min=1, help="Rolling training origins.")] = 4,
    as_json: Json = False,
) -> None:
    """Fit the three scorers, validate out of time, log to MLflow, crown a better champion."""
    from credit_scoring.models.tracking import Tracking
    from credit_scoring.models.training import train as run_training

    with Store(db, read_only=True) as store:
        result = run_training(
            store, as_of=_parse_date(as_of), tracking=Tracking(mlruns), seed=seed, origins=origins
        )
    if as_json:
        _print_json(
            {**result.__dict__, "grade_rates": result.grade_rates.reset_index().to_dict("records")}
        )
        return
    _render.print_training(console, result)


@app.command()
@_fails_cleanly
def grade(
    as_of: Annotated[str, typer.Option(help="Grade with only what was known on this date.")],
    db: Db = DEFAULT_DB,
    mlruns: Mlruns = Path("mlruns"),
    out: Annotated[Path, typer.Option(help="Grade records (.csv or .parquet).")] = Path(
        "data/grades.parquet"
    ),
    as_json: Json = False,
) -> None:
    """Grade every subject A/B/C/D and write the grade records."""
    from credit_scoring.features.summary import write_table
    from credit_scoring.models.scoring import grade_store
    from credit_scoring.models.tracking import Tracking

    with Store(db, read_only=True) as store:
        table = grade_store(store, as_of=_parse_date(as_of), tracking=Tracking(mlruns))
    write_table(table, out)
    counts = table["grade"].value_counts().reindex(list("ABCD"), fill_value=0)
    if as_json:
        _print_json(
            {
                "out": out,
                "subjects": len(table),
                "grades": counts.to_dict(),
                "source": table["source"].iloc[0] if len(table) else None,
                "model_version": table["model_version"].iloc[0] if len(table) else None,
            }
        )
        return
    console.print(_render.grade_distribution(counts))
    console.print(f"{len(table):,} grade records written to {out}")


@app.command()
@_fails_cleanly
def explain(
    uscc: Annotated[str, typer.Argument(help="The subject's unified social credit code.")],
    as_of: Annotated[
        str | None, typer.Option(help="Explain as of this date (default today).")
    ] = None,
    db: Db = DEFAULT_DB,
    mlruns: Mlruns = Path("mlruns"),
    top_k: Annotated[int, typer.Option(min=1, max=20, help="Adverse reasons to show.")] = 4,
    as_json: Json = False,
) -> None:
    """Why a subject has its grade: overrides, top reasons with their records, positive factors."""
    from credit_scoring.explain.service import explain_from_store

    with Store(db, read_only=True) as store:
        explanation = explain_from_store(
            store, uscc.strip().upper(), as_of=_date(as_of) or dt.date.today(),
            tracking_root=mlruns, top_k=top_k,
        )  # fmt: skip
    if as_json:
        _print_json(explanation.as_dict())
        return
    _render.print_explanation(console, explanation)


objection_app = typer.Typer(
    help="Objections to records (异议): file, decide, list.", no_args_is_help=True
)
repair_app = typer.Typer(
    help="Credit repair (信用修复): apply, decide, list.", no_args_is_help=True
)
app.add_typer(objection_app, name="objection")
app.add_typer(repair_app, name="repair")
WorkflowDb = Annotated[
    str, typer.Option("--workflow-db", help="SQLAlchemy URL of the workflow database.")
]


@contextlib.contextmanager
def _workspace(db: Path, workflow_db: str, mlruns: Path) -> Iterator[Any]:
    from credit_scoring.workflows import Workspace, connect

    with Store(db) as store:
        yield Workspace(connect(workflow_db), store, mlruns)


def _rows(items: list[Any], columns: list[str]) -> list[dict[str, Any]]:
    return [{c: getattr(item, c) for c in columns} for item in items]


_OBJECTION_COLUMNS = ["id", "uscc", "record_table", "record_id", "status", "filed_on", "decide_due",
                      "grade_before", "grade_after"]  # fmt: skip
_REPAIR_COLUMNS = ["id", "uscc", "record_table", "record_id", "status", "failed_checks",
                   "applied_on", "grade_before", "grade_after"]  # fmt: skip


@objection_app.command("file")
@_fails_cleanly
def objection_file(
    uscc: str, table: str, record_id: str,
    reason: Annotated[str, typer.Option(help="Why the record is wrong.")],
    filed_by: Annotated[str, typer.Option(help="The subject or its agent.")],
    db: Db = DEFAULT_DB, workflow_db: WorkflowDb = DEFAULT_URL,
    mlruns: Mlruns = Path("mlruns"), as_json: Json = False,
) -> None:  # fmt: skip
    """File an objection to one record; it is flagged and gets its deadlines."""
    from credit_scoring.workflows import file_objection

    with _workspace(db, workflow_db, mlruns) as space:
        objection = file_objection(space, uscc=uscc, table=table, record_id=record_id,
                                   reason=reason, filed_by=filed_by)  # fmt: skip
    _show(_rows([objection], _OBJECTION_COLUMNS), as_json, "Objection filed")


@objection_app.command("decide")
@_fails_cleanly
def objection_decide(
    objection_id: int,
    upheld: Annotated[bool, typer.Option("--upheld/--rejected", help="The decision.")],
    reviewer: Annotated[str, typer.Option(help="Who decides.")],
    note: Annotated[str, typer.Option(help="The reviewer's note.")] = "",
    db: Db = DEFAULT_DB, workflow_db: WorkflowDb = DEFAULT_URL,
    mlruns: Mlruns = Path("mlruns"), as_json: Json = False,
) -> None:  # fmt: skip
    """Uphold (the record is removed, the subject re-graded) or reject an objection."""
    from credit_scoring.workflows import decide_objection

    with _workspace(db, workflow_db, mlruns) as space:
        objection = decide_objection(space, objection_id, upheld=upheld, reviewer=reviewer,
                                     note=note)  # fmt: skip
    _show(_rows([objection], _OBJECTION_COLUMNS), as_json, "Objection decided")


@objection_app.command("list")
@_fails_cleanly
def objection_list(
    status: Annotated[str | None, typer.Option(help="pending, upheld or rejected.")] = None,
    overdue: Annotated[bool, typer.Option(help="Only pending ones past their deadline.")] = False,
    db: Db = DEFAULT_DB, workflow_db: WorkflowDb = DEFAULT_URL,
    mlruns: Mlruns = Path("mlruns"), as_json: Json = False,
) -> None:  # fmt: skip
    """List objections, or the overdue ones."""
    from credit_scoring.workflows import list_objections

    with _workspace(db, workflow_db, mlruns) as space:
        found = list_objections(space, status=status,
                                overdue_on=dt.date.today() if overdue else None)  # fmt: skip
    _show(_rows(found, _OBJECTION_COLUMNS), as_json, "Objections")


@repair_app.command("apply")
@_fails_cleanly
def repair_apply(
    uscc: str, table: str, record_id: str,
    applicant: Annotated[str, typer.Option(help="The subject or its agent.")],
    fine_paid: Annotated[bool, typer.Option(help="The fine is paid.")] = False,
    corrected: Annotated[bool, typer.Option(help="The behaviour is corrected.")] = False,
    commitment: Annotated[bool, typer.Option(help="A repair commitment is signed.")] = False,
    db: Db = DEFAULT_DB, workflow_db: WorkflowDb = DEFAULT_URL,
    mlruns: Mlruns = Path("mlruns"), as_json: Json = False,
) -> None:  # fmt: skip
    """Apply for repair of one record; an ineligible application is refused with its checks."""
    from credit_scoring.workflows import apply_for_repair

    with _workspace(db, workflow_db, mlruns) as space:
        application = apply_for_repair(
            space, uscc=uscc, table=table, record_id=record_id, applicant=applicant,
            fine_paid=fine_paid, behaviour_corrected=corrected, commitment_signed=commitment,
        )  # fmt: skip
    _show(_rows([application], _REPAIR_COLUMNS), as_json, "Repair application")


@repair_app.command("decide")
@_fails_cleanly
def repair_decide(
    repair_id: int,
    approve: Annotated[bool, typer.Option("--approve/--refuse", help="The decision.")],
    reviewer: Annotated[str, typer.Option(help="Who decides.")],
    note: Annotated[str, typer.Option(help="The reviewer's note.")] = "",
    db: Db = DEFAULT_DB, workflow_db: WorkflowDb = DEFAULT_URL,
    mlruns: Mlruns = Path("mlruns"), as_json: Json = False,
) -> None:  # fmt: skip
    """Approve (the record stops counting, the subject is re-graded) or refuse a repair."""
    from credit_scoring.workflows import decide_repair

    with _workspace(db, workflow_db, mlruns) as space:
        application = decide_repair(space, repair_id, approve=approve, reviewer=reviewer,
                                    note=note)  # fmt: skip
    _show(_rows([application], _REPAIR_COLUMNS), as_json, "Repair decided")


@repair_app.command("list")
@_fails_cleanly
def repair_list(
    status: Annotated[str | None, typer.Option(help="pending, ineligible, approved…")] = None,
    db: Db = DEFAULT_DB, workflow_db: WorkflowDb = DEFAULT_URL,
    mlruns: Mlruns = Path("mlruns"), as_json: Json = False,
) -> None:  # fmt: skip
    """List repair applications."""
    from credit_scoring.workflows import list_repairs

    with _workspace(db, workflow_db, mlruns) as space:
        found = list_repairs(space, status=status)
    _show(_rows(found, _REPAIR_COLUMNS), as_json, "Repair applications")


def _show(rows: list[dict[str, Any]], as_json: bool, title: str) -> None:
    if as_json:
        _print_json(rows)
        return
    console.print(_render.records_table(title, rows))


plan_app = typer.Typer(
    help="双随机 inspection plans: draw one (options below), or `verify` / `list`.",
    invoke_without_command=True,
)
app.add_typer(plan_app, name="plan")


@plan_app.callback(invoke_without_command=True)
@_fails_cleanly
def plan(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help="Plan with what was known then.")] = None,
    budget: Annotated[int | None, typer.Option(min=0, help="Inspections to draw.")] = None,
    rate: Annotated[float | None, typer.Option(help="Or: share of eligible subjects.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="The plan's random seed.")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    region: Annotated[list[str] | None, typer.Option(help="Only these region codes.")] = None,
    domain: Annotated[list[str] | None, typer.Option(help="Only these domain codes.")] = None,
    design: Annotated[str | None, typer.Option(help="stratified or pps (default: policy).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the plan (.csv or .xlsx).")] = None,
    db: Db = DEFAULT_DB,
    mlruns: Mlruns = Path("mlruns"),
    as_json: Json = False,
) -> None:  # fmt: skip
    """Draw a plan: `plan --as-of D (--budget N | --rate R) --seed S [--department X]`.

    Without a subcommand this draws; `plan verify PLAN` and `plan list` are the subcommands.
    """
    if ctx.invoked_subcommand is not None:
        return
    from credit_scoring._render_supervision import print_plan
    from credit_scoring.models.tracking import Tracking
    from credit_scoring.supervision import create_plan, write_plan

    if as_of is None or seed is None:
        raise ValueError("plan needs --as-of and --seed (or a subcommand: verify, list)")
    if design not in (None, "stratified", "pps"):
        raise ValueError(f"--design must be stratified or pps; got {design!r}")
    with Store(db) as store:
        drawn = create_plan(
            store, as_of=_parse_date(as_of), seed=seed, budget=budget, rate=rate,
            department=department, regions=tuple(region or ()), domains=tuple(domain or ()),
            design=design,  # type: ignore[arg-type]
            tracking=Tracking(mlruns),
        )  # fmt: skip
    written = write_plan(drawn, out) if out else None
    if as_json:
        _print_json({**drawn.summary(), "out": written})
        return
    print_plan(console, drawn)
    if written:
        console.print(f"written to {written}")


@plan_app.command("verify")
@_fails_cleanly
def plan_verify(
    plan_id: Annotated[str, typer.Argument(help="The plan's id.")],
    db: Db = DEFAULT_DB,
    as_json: Json = False,
) -> None:
    """Recompute a plan's commitment and rerun its draw and inspector assignment."""
    from credit_scoring._render_supervision import print_verification
    from credit_scoring.supervision import verify_plan

    with Store(db, read_only=True) as store:
        result = verify_plan(store, plan_id)
    if as_json:
        _print_json({**result.__dict__, "ok": result.ok})
    else:
        print_verification(console, result)
    if not result.ok:
        raise typer.Exit(1)


@plan_app.command("list")
@_fails_cleanly
def plan_list(db: Db = DEFAULT_DB, as_json: Json = False) -> None:
    """The stored plans, newest first."""
    from credit_scoring.supervision import list_plans

    with Store(db, read_only=True) as store:
        plans = list_plans(store)
    if as_json:
        _print_json(plans)
        return
    shown = ["plan_id", "as_of", "seed", "design", "inspections", "pending", "created_at"]
    _show([{c: p[c] for c in shown} for p in plans], False, "Inspection plans 抽查计划")


@app.command()
@_fails_cleanly
def evaluate(
    plan_ids: Annotated[list[str], typer.Option("--plan", help="A plan whose results to use.")],
    truth: Annotated[
        Path | None, typer.Option(help="Synthetic city only: the truth file to compare with.")
    ] = None,
    replicates: Annotated[int, typer.Option(min=10, help="Bootstrap replicates.")] = 1000,
    db: Db = DEFAULT_DB,
    as_json: Json = False,
) -> None:
    """IPW estimates from plans' results: violation rate by grade, policies against uniform."""
    from credit_scoring._render_supervision import print_evaluation
    from credit_scoring.supervision import evaluate_plans, load_plan
    from credit_scoring.supervision.synthetic import truth_comparison

    with Store(db, read_only=True) as store:
        evaluation = evaluate_plans(store, plan_ids, replicates=replicates)
        truths = [
            {"plan_id": p, **truth_comparison(load_plan(store, p), truth)} for p in plan_ids
        ] if truth else []  # fmt: skip
    if as_json:
        _print_json({**evaluation.as_dict(), "truth": truths})
        return
    print_evaluation(console, evaluation, truths)


@app.command()
@_fails_cleanly
def frequencies(
    as_of: Annotated[str, typer.Option(help="As of this date.")],
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the list (.csv or .xlsx).")] = None,
    db: Db = DEFAULT_DB,
    mlruns: Mlruns = Path("mlruns"),
    as_json: Json = False,
) -> None:
    """Every subject's grade, yearly rate, minimum frequency, last inspection and overdue flag."""
    from credit_scoring._render_supervision import print_frequencies
    from credit_scoring.models.tracking import Tracking
    from credit_scoring.supervision import (
        Scope,
        frequencies_csv_bytes,
        frequencies_xlsx_bytes,
        inspection_frequencies,
    )

    with Store(db, read_only=True) as store:
        table = inspection_frequencies(store, as_of=_parse_date(as_of), tracking=Tracking(mlruns),
                                       scope=Scope(department=department))  # fmt: skip
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        xlsx = out.suffix.lower() == ".xlsx"
        out.write_bytes(frequencies_xlsx_bytes(table) if xlsx else frequencies_csv_bytes(table))
    if as_json:
        overdue = table.groupby("grade")["overdue"].mean().round(4).to_dict()
        _print_json({"subjects": len(table), "overdue_share_by_grade": overdue, "out": out})
        return
    print_frequencies(console, table, str(out) if out else None)


@app.command()
@_fails_cleanly
def demo(
    subjects: Annotated[int, typer.Option(min=100, help="Subjects in the city.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    workdir: Annotated[Path, typer.Option(help="Where the demo writes.")] = Path("data/demo"),
    as_json: Json = False,
) -> None:
    """The main job on the embedded defaults: synthetic city → ingest → 双公示 report."""
    from credit_scoring.demo import run_demo

    show = not as_json
    with (
        _render.stage_progress(console, show) as on_stage,
        _render.file_progress(console, show) as on_file,
    ):
        result = run_demo(
            workdir, n_subjects=subjects, seed=seed, on_stage=on_stage, on_file=on_file
        )
    if as_json:
        _print_json(
            {
                "db": result.db,
                "seconds": result.seconds,
                "ingests": [r.as_dict() for r in result.ingests],
                "disclosure": result.disclosure.summary.to_dict("records"),
                "plan": result.plan.summary() if result.plan is not None else None,
                "plan_expected_lifts": result.plan_lifts,
            }
        )
        return
    _render.print_demo(console, result)


Snapshots = Annotated[Path, typer.Option("--snapshots", help="The snapshot root folder.")]


@app.command()
@_fails_cleanly
def publish(
    as_of: Annotated[str, typer.Option(help="Grade with only what was known on this date.")],
    db: Db = DEFAULT_DB,
    mlruns: Mlruns = Path("mlruns"),
    snapshots: Snapshots = Path("data/snapshots"),
    keep: Annotated[
        int | None,
        typer.Option(min=1, help="Then delete all but this many newest snapshots (default: none)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Grade and explain every subject and publish the result as the current snapshot."""
    from credit_scoring.snapshots import prune_snapshots
    from credit_scoring.snapshots import publish as publish_snapshot
    from credit_scoring.snapshots.publish import manifest_summary

    with Store(db, read_only=True) as store:
        manifest = publish_snapshot(
            store, snapshots, as_of=_parse_date(as_of), tracking_root=mlruns
        )
    deleted = prune_snapshots(snapshots, keep=keep) if keep is not None else []
    if as_json:
        _print_json({**manifest_summary(manifest), "deleted_snapshots": deleted})
        return
    console.print(
        f"snapshot {manifest.snapshot_id}: {manifest.subjects:,} subjects as of {as_of}, "
        f"model {manifest.model_version}; now current under {snapshots}"
    )
    if deleted:
        console.print(f"deleted {len(deleted)} older snapshot(s): {', '.join(deleted)}")


snapshots_app = typer.Typer(help="Published snapshots: list, prune.", no_args_is_help=True)
app.add_typer(snapshots_app, name="snapshots")


@snapshots_app.command("list")
@_fails_cleanly
def snapshots_list(snapshots: Snapshots = Path("data/snapshots"), as_json: Json = False) -> None:
    """Every published snapshot, newest first; the one served is marked current."""
    from credit_scoring.snapshots import current_snapshot_id, published_snapshots

    current = current_snapshot_id(snapshots)
    rows = [
        {"snapshot_id": m.snapshot_id, "current": m.snapshot_id == current, "as_of": m.as_of,
         "created_at": m.created_at, "subjects": m.subjects, "model_version": m.model_version,
         "megabytes": round(_folder_bytes(snapshots / m.snapshot_id) / 2**20, 1)}
        for m in published_snapshots(snapshots)
    ]  # fmt: skip
    _show(rows, as_json, "Snapshots 快照")


@snapshots_app.command("prune")
@_fails_cleanly
def snapshots_prune(
    keep: Annotated[int, typer.Option(min=1, help="How many newest snapshots to keep.")],
    snapshots: Snapshots = Path("data/snapshots"),
    as_json: Json = False,
) -> None:
    """Delete all but the newest KEEP snapshots; the current one is always kept."""
    from credit_scoring.snapshots import prune_snapshots

    deleted = prune_snapshots(snapshots, keep=keep)
    if as_json:
        _print_json({"deleted_snapshots": deleted})
        return
    console.print(
        f"deleted {len(deleted)} snapshot(s)" + (f": {', '.join(deleted)}" if deleted else "")
    )


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


@app.command()
@_fails_cleanly
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API (settings from CREDIT_SCORING_* environment variables)."""
    import uvicorn

    # One app per worker process, built by the factory from the environment.
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info")  # fmt: skip


keys_app = typer.Typer(help="API keys: create, revoke, list.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
@_fails_cleanly
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    role: Annotated[str, typer.Option(help="public, regulator, reviewer, analyst or admin.")],
    workflow_db: WorkflowDb = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Create a key; its secret is printed once and never stored."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.keys import create_key

    info, token = create_key(connect(workflow_db), name=name, role=role, actor=_operator())
    if as_json:
        _print_json({**info.public(), "api_key": token})
        return
    console.print(f"key {info.key_id} for {name} ({role}); keep it, it is not shown again:")
    console.print(token, highlight=False, soft_wrap=True)


@keys_app.command("revoke")
@_fails_cleanly
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (second part of the key).")],
    workflow_db: WorkflowDb = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Revoke a key: the service refuses it within seconds."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.keys import revoke_key

    info = revoke_key(connect(workflow_db), key_id, actor=_operator())
    if as_json:
        _print_json(info.public())
        return
    console.print(f"key {info.key_id} ({info.name}, {info.role}) revoked at {info.revoked_at}")


@keys_app.command("list")
@_fails_cleanly
def keys_list(workflow_db: WorkflowDb = DEFAULT_URL, as_json: Json = False) -> None:
    """List keys (never their secrets)."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.keys import list_keys

    rows = [info.public() for info in list_keys(connect(workflow_db))]
    _show(rows, as_json, "API keys")


def _operator() -> str:
    """Who ran the command, for the audit log."""
    return f"cli:{os.environ.get('USER', 'unknown')}"
