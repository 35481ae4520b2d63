"""Joint incentive and punishment tasks from the command line (``sanctions …``): issue from a
credit check, list, respond, statistics. Acts are dated today (``CREDIT_SCORING_TODAY``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Mlruns, WorkflowDb

if TYPE_CHECKING:
    from credit_scoring.workflows.sanctions import SanctionTask

app = typer.Typer(
    help="Joint incentives and punishments (联合奖惩): tasks, responses, feedback statistics.",
    no_args_is_help=True,
)

_COLUMNS = ["id", "uscc", "measure_code", "department", "status", "respond_due", "feedback_due"]
_MORE = ["measure_kind", "source", "source_ref", "scenario", "record_ids", "issued_on",
         "responded_on", "responded_by", "decline_reason", "outcome", "feedback_on"]  # fmt: skip


def _show(tasks: list[SanctionTask], as_json: bool, title: str) -> None:
    columns = [*_COLUMNS, *_MORE] if as_json else _COLUMNS
    cli.show([{c: getattr(t, c) for c in columns} for t in tasks], as_json, title)


def _engine(workflow_db: str | None) -> tuple[Any, dt.date]:
    from credit_scoring.workflows import connect

    config = cli.settings(workflow_db_url=workflow_db)
    return connect(config.workflow_db_url), config.today or dt.date.today()


@app.command("issue")
@cli.fails_cleanly
def issue(
    uscc: str,
    scenario: Annotated[str, typer.Option(help="licensing, procurement, tendering, funding…")],
    reference: Annotated[str | None, typer.Option(help="The application checked.")] = None,
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Check USCC for a scenario today and issue a task per measure and implementing department
    (issuing the same check again shows its tasks)."""
    from credit_scoring.grading import GradeInForce
    from credit_scoring.measures import credit_check
    from credit_scoring.policies import load_measures
    from credit_scoring.snapshots.standing import standing_records
    from credit_scoring.workflows.sanctions import issue_check_tasks

    config = cli.settings(db_path=db, workflow_db_url=workflow_db, mlruns=mlruns)
    today = config.today or dt.date.today()
    with cli.workspace(config, note=not as_json) as space:
        records = standing_records(space.store, as_of=today, subjects=[uscc]).to_pylist()
        grade = GradeInForce.of(space.grading().explain(space.store, uscc, as_of=today))
        check = credit_check(load_measures(), records, scenario, today, grade)
        tasks = issue_check_tasks(space.engine, check, uscc=uscc, actor=cli.operator(),
                                  today=today, reference=reference)  # fmt: skip
    _show(tasks, as_json, f"{len(check.measures)} measures apply; {len(tasks)} tasks")


@app.command("list")
@cli.fails_cleanly
def list_(
    department: Annotated[str | None, typer.Option(help="Its code or Chinese name.")] = None,
    overdue: Annotated[bool, typer.Option(help="Only those late today.")] = False,
    status: Annotated[str | None, typer.Option(help="issued, acknowledged, …")] = None,
    uscc: Annotated[str | None, typer.Option(help="One subject only.")] = None,
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Tasks, oldest first, for one department or all; ``--overdue`` keeps the late ones."""
    from credit_scoring.policies import load_measures
    from credit_scoring.workflows.sanctions import list_tasks

    engine, today = _engine(workflow_db)
    code = load_measures().department(department) if department else None
    found = list_tasks(engine, department=code, status=status, uscc=uscc,
                       overdue_on=today if overdue else None)  # fmt: skip
    _show(found, as_json, f"Tasks{' overdue on ' + str(today) if overdue else ''}")


@app.command("respond")
@cli.fails_cleanly
def respond(
    task_id: int,
    action: Annotated[str, typer.Argument(help="acknowledge, apply, decline or report.")],
    note: Annotated[str, typer.Option(help="The reason (decline) or the outcome.")] = "",
    by: Annotated[str | None, typer.Option(help="Who responds (default: this user).")] = None,
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """A department's response to a task: acknowledge, apply, decline (with a reason) or report
    the outcome (执行反馈)."""
    from credit_scoring.workflows.sanctions import respond as respond_to

    engine, today = _engine(workflow_db)
    task = respond_to(engine, task_id, action=action, actor=by or cli.operator(),  # type: ignore[arg-type]
                      note=note, today=today)  # fmt: skip
    _show([task], as_json, f"Task {task.id} {task.status}")


@app.command("stats")
@cli.fails_cleanly
def stats(
    as_of: Annotated[str | None, typer.Option(help="Figures of this day (default today).")] = None,
    since: Annotated[str | None, typer.Option(help="Tasks issued from this day.")] = None,
    source: Annotated[str | None, typer.Option(help="list_decision or credit_check.")] = None,
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Per department: tasks issued, responded to (on time), fed back, overdue, and the rates."""
    from credit_scoring.workflows.sanctions import task_statistics

    engine, today = _engine(workflow_db)
    day = cli.optional_date(as_of, "--as-of") or today
    rows = task_statistics(engine, day=day, since=cli.optional_date(since, "--since"),
                           source=source)  # fmt: skip
    if as_json:
        cli.print_json({"as_of": day, "departments": [r.as_dict() for r in rows]})
        return
    shown = [{"department": r.name, "issued": r.issued, "responded": r.responded,
              "on time": r.responded_on_time, "fed back": r.fed_back, "overdue": r.overdue,
              "response": _pct(r.response_rate), "feedback": _pct(r.feedback_rate)}
             for r in rows]  # fmt: skip
    cli.show(shown, False, f"Task responses and feedback as of {day}")


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.0f}%"
