"""Warning interviews (约谈): ``interviews candidates``, ``schedule``, ``record``, ``rectify``,
``list``. A subject past its rectification deadline joins the next plan of the department on
its own: ``credit-scoring plan`` reads the interview's record from the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Mlruns, WorkflowDb

if TYPE_CHECKING:
    from credit_scoring.settings import Settings

interviews_app = typer.Typer(
    help="Warning interviews (约谈): candidates, schedule, record, rectify, list.",
    no_args_is_help=True,
)
By = Annotated[str | None, typer.Option(help="Who acts (default: you).")]
Note = Annotated[str, typer.Option(help="A note for the file.")]
_COLUMNS = ["id", "uscc", "interview_type", "department", "status", "meet_on", "held_on",
            "rectify_by", "rectified_on", "record_id"]  # fmt: skip
_SHOWN = 50


def _config(db: Any, workflow_db: Any, mlruns: Any) -> Settings:
    return cli.settings(db_path=db, workflow_db_url=workflow_db, mlruns=mlruns)


def _show(found: list[Any], as_json: bool, title: str) -> None:
    columns = [*_COLUMNS, "grounds", "rectification"] if as_json else _COLUMNS
    cli.show([{c: getattr(i, c) for c in columns} for i in found], as_json, title)


@interviews_app.command("candidates")
@cli.fails_cleanly
def candidates(
    as_of: Annotated[str | None, typer.Option(help="The day (default: today).")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department's.")] = None,
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Subjects graded C/D or newly listed, without an open interview, the graver first."""
    import datetime as dt

    from credit_scoring.workflows.interviews import interview_candidates

    day = cli.optional_date(as_of, "--as-of") or dt.date.today()
    with cli.workspace(_config(db, workflow_db, mlruns), note=not as_json) as space:
        grades = space.grading().grade_store(space.store, as_of=day)
        found = interview_candidates(space.store, grades, space.engine, as_of=day)
    if department:
        found = found[found["department"] == department]
    rows = [{str(k): v for k, v in r.items()} for r in found.to_dict("records")]
    if as_json:
        cli.print_json({"as_of": day, "candidates": rows})
        return
    cli.show(rows[:_SHOWN], False, f"Interview candidates 约谈对象 ({day})")
    cli.console.print(f"{len(rows)} candidates" + (" (--json for all)" if len(rows) > _SHOWN
                                                   else ""))  # fmt: skip


@interviews_app.command("schedule")
@cli.fails_cleanly
def schedule(
    uscc: Annotated[str, typer.Argument(help="The subject.")],
    kind: Annotated[str, typer.Option("--type", help="prompt (提示约谈) or warning (警示约谈).")],
    on: Annotated[str, typer.Option("--on", help="The day the subject is called for.")],
    department: Annotated[str | None, typer.Option(help="Default: who supervises it.")] = None,
    by: By = None, note: Note = "",
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Call a subject graded C/D or newly listed to an interview."""
    from credit_scoring.workflows.interviews import schedule_interview

    with cli.workspace(_config(db, workflow_db, mlruns), note=not as_json) as space:
        done = schedule_interview(
            space, uscc=uscc, interview_type=kind, meet_on=cli.parse_date(on, "--on"),
            department=department, scheduled_by=by or cli.operator(), note=note,
        )  # fmt: skip
    _show([done], as_json, "Interview scheduled 约谈已安排")


@interviews_app.command("record")
@cli.fails_cleanly
def record(
    interview_id: Annotated[int, typer.Argument(help="The interview's id.")],
    held_on: Annotated[str, typer.Option(help="The day it was held.")],
    rectification: Annotated[str, typer.Option(help="What the subject must rectify.")],
    interviewers: Annotated[str, typer.Option(help="The officials who held it.")],
    rectify_by: Annotated[str | None, typer.Option(help="Deadline (default: policy).")] = None,
    by: By = None, note: Note = "",
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record an interview as held: its record, with the rectification and its deadline in
    working days, joins the subject's credit record."""
    from credit_scoring.workflows.interviews import record_interview

    with cli.workspace(_config(db, workflow_db, mlruns), grade=False) as space:
        done = record_interview(
            space, interview_id, held_on=cli.parse_date(held_on, "--held-on"),
            rectification=rectification, interviewers=interviewers,
            rectify_by=cli.optional_date(rectify_by, "--rectify-by"),
            recorded_by=by or cli.operator(), note=note,
        )  # fmt: skip
    _show([done], as_json, "Interview recorded 约谈已记录")


@interviews_app.command("rectify")
@cli.fails_cleanly
def rectify(
    interview_id: Annotated[int, typer.Argument(help="The interview's id.")],
    on: Annotated[str, typer.Option("--on", help="The day the subject rectified.")],
    by: By = None, note: Note = "",
    db: Db = None, workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record the rectification: the subject is no longer due for an inspection for it."""
    from credit_scoring.workflows.interviews import record_rectification

    with cli.workspace(_config(db, workflow_db, None), grade=False) as space:
        done = record_rectification(space, interview_id, rectified_on=cli.parse_date(on, "--on"),
                                    recorded_by=by or cli.operator(), note=note)  # fmt: skip
    _show([done], as_json, "Rectification recorded 整改已记录")


@interviews_app.command("list")
@cli.fails_cleanly
def list_(
    status: Annotated[str | None, typer.Option(help="scheduled, held or rectified.")] = None,
    overdue: Annotated[bool, typer.Option(help="Only those past their deadline.")] = False,
    uscc: Annotated[str | None, typer.Option(help="Only this subject's.")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department's.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Overdue on this day (default: today).")] = None,
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """List interviews (from the workflow database alone), or the overdue ones."""
    import datetime as dt

    from credit_scoring.workflows import connect
    from credit_scoring.workflows.interviews import list_interviews

    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    day = cli.optional_date(as_of, "--as-of") or dt.date.today()
    found = list_interviews(engine, status=status, uscc=uscc, department=department,
                            overdue_on=day if overdue else None)  # fmt: skip
    _show(found, as_json, "Interviews 约谈")
