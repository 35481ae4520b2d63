"""Review cases from the command line: ``objection`` and ``repair`` (file, decide, list).

A decision here re-grades the subject once and saves the re-grade, exactly as the HTTP service
does; a running service serves it at its next poll.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Mlruns, WorkflowDb

if TYPE_CHECKING:
    from credit_scoring.settings import Settings

objection_app = typer.Typer(
    help="Objections to records (异议): file, decide, list.", no_args_is_help=True
)
repair_app = typer.Typer(
    help="Credit repair (信用修复): apply, decide, list.", no_args_is_help=True
)

Reviewer = Annotated[str, typer.Option(help="Who decides.")]
Note = Annotated[str, typer.Option(help="The reviewer's note.")]
_CASE_COLUMNS = ["id", "uscc", "record_table", "record_id", "status", "decide_due",
                 "grade_before", "before_as_of", "grade_after", "after_as_of"]  # fmt: skip
_OBJECTION_COLUMNS = [*_CASE_COLUMNS[:5], "filed_on", *_CASE_COLUMNS[5:]]
_REPAIR_COLUMNS = [*_CASE_COLUMNS[:5], "failed_checks", "applied_on", *_CASE_COLUMNS[5:]]


def _config(db: Path | None, workflow_db: str | None, mlruns: Path | None) -> Settings:
    return cli.settings(db_path=db, workflow_db_url=workflow_db, mlruns=mlruns)


def _act(
    action: Callable[..., Any], config: Settings, as_json: bool, done: str, *args: Any,
    **kwargs: Any,
) -> None:  # fmt: skip
    """File or decide a case (a decision returns its re-grade too) and show the case."""
    with cli.workspace(config, note=not as_json) as space:
        result = action(space, *args, **kwargs)
    case = result[0] if isinstance(result, tuple) else result
    _show([case], as_json, f"{case.noun.capitalize()} {done}")


def _show(cases: list[Any], as_json: bool, title: str) -> None:
    """Cases as a table of their main columns, or in JSON with the grades' scorers too."""
    objections = bool(cases) and cases[0].noun == "objection"
    columns = _OBJECTION_COLUMNS if objections else _REPAIR_COLUMNS
    if as_json:
        columns = [*columns, "before_scorer", "after_scorer"]
    cli.show([{c: getattr(case, c) for c in columns} for case in cases], as_json, title)


@objection_app.command("file")
@cli.fails_cleanly
def objection_file(
    uscc: str, table: str, record_id: str,
    reason: Annotated[str, typer.Option(help="Why the record is wrong.")],
    filed_by: Annotated[str, typer.Option(help="The subject or its agent.")],
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """File an objection to one record; it is flagged and gets its deadlines."""
    from credit_scoring.workflows import file_objection

    _act(file_objection, _config(db, workflow_db, mlruns), as_json, "filed", uscc=uscc,
         table=table, record_id=record_id, reason=reason, filed_by=filed_by)  # fmt: skip


@objection_app.command("decide")
@cli.fails_cleanly
def objection_decide(
    objection_id: int,
    upheld: Annotated[bool, typer.Option("--upheld/--rejected", help="The decision.")],
    reviewer: Reviewer, note: Note = "",
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Uphold (the record is removed) or reject an objection; the subject is re-graded."""
    from credit_scoring.workflows import decide_objection

    _act(decide_objection, _config(db, workflow_db, mlruns), as_json, "decided", objection_id,
         upheld=upheld, reviewer=reviewer, note=note)  # fmt: skip


@objection_app.command("list")
@cli.fails_cleanly
def objection_list(
    status: Annotated[str | None, typer.Option(help="pending, upheld or rejected.")] = None,
    overdue: Annotated[bool, typer.Option(help="Only pending ones past their deadline.")] = False,
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """List objections, or the overdue ones (from the workflow database alone)."""
    from credit_scoring.workflows import connect, list_objections

    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    found = list_objections(engine, status=status, overdue_on=dt.date.today() if overdue else None)
    _show(found, as_json, "Objections")


@repair_app.command("apply")
@cli.fails_cleanly
def repair_apply(
    uscc: str, table: str, record_id: str,
    applicant: Annotated[str, typer.Option(help="The subject or its agent.")],
    fine_paid: Annotated[bool, typer.Option(help="The fine is paid.")] = False,
    corrected: Annotated[bool, typer.Option(help="The behaviour is corrected.")] = False,
    commitment: Annotated[bool, typer.Option(help="A repair commitment is signed.")] = False,
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Apply for repair of one record; an ineligible application is refused with its checks."""
    from credit_scoring.workflows import apply_for_repair

    _act(apply_for_repair, _config(db, workflow_db, mlruns), as_json, "application",
         uscc=uscc, table=table, record_id=record_id, applicant=applicant, fine_paid=fine_paid,
         behaviour_corrected=corrected, commitment_signed=commitment)  # fmt: skip


@repair_app.command("decide")
@cli.fails_cleanly
def repair_decide(
    repair_id: int,
    approve: Annotated[bool, typer.Option("--approve/--refuse", help="The decision.")],
    reviewer: Reviewer, note: Note = "",
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Approve (the record stops counting) or refuse a repair; the subject is re-graded."""
    from credit_scoring.workflows import decide_repair

    _act(decide_repair, _config(db, workflow_db, mlruns), as_json, "decided", repair_id,
         approve=approve, reviewer=reviewer, note=note)  # fmt: skip


@repair_app.command("list")
@cli.fails_cleanly
def repair_list(
    status: Annotated[str | None, typer.Option(help="pending, ineligible, approved…")] = None,
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """List repair applications (from the workflow database alone)."""
    from credit_scoring.workflows import connect, list_repairs

    found = list_repairs(connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url),
                         status=status)  # fmt: skip
    _show(found, as_json, "Repair applications")
