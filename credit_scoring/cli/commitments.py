"""Credit commitments verified (信用承诺闭环): ``commitments due`` and ``commitments verify``.

A verification here changes the commitment in the store, re-grades the subject and saves the
re-grade, exactly as the HTTP service does; a running service serves it at its next poll.
"""

from __future__ import annotations

from typing import Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Mlruns, WorkflowDb

commitments_app = typer.Typer(
    help="Credit commitments (信用承诺): verifications falling due, outcomes recorded.",
    no_args_is_help=True,
)
_SHOWN = 50  # rows in the terminal table; --json prints every one


@commitments_app.command("due")
@cli.fails_cleanly
def due(
    as_of: Annotated[str | None, typer.Option(help="The day (default: today).")] = None,
    within: Annotated[int, typer.Option(min=0, help="Also those due this many days later.")] = 0,
    late: Annotated[bool, typer.Option(help="Only those past their recording deadline.")] = False,
    db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Commitments whose verification falls due by --as-of (告知承诺 within its period), the
    earliest deadline first; `late` ones are past the working days allowed to record it."""
    import datetime as dt

    from credit_scoring.records.store import Store
    from credit_scoring.workflows.commitments import commitments_due

    day = cli.optional_date(as_of, "--as-of") or dt.date.today()
    with Store(cli.settings(db_path=db).db_path, read_only=True) as store:
        found = commitments_due(store, as_of=day, within_days=within)
    if late:
        found = found[found["late"]]
    rows = [{str(k): v for k, v in r.items()} for r in found.to_dict("records")]
    if as_json:
        cli.print_json({"as_of": day, "due": len(rows), "late": int(found["late"].sum()),
                        "commitments": rows})  # fmt: skip
        return
    shown = [{k: r[k] for k in ("record_id", "uscc", "name", "due_on", "verify_by", "late")}
             for r in rows[:_SHOWN]]  # fmt: skip
    cli.show(shown, False, f"Commitments due for verification 待核查信用承诺 ({day})")
    more = f" (the first {_SHOWN} shown; --json for all)" if len(rows) > _SHOWN else ""
    cli.console.print(f"{len(rows)} due, {int(found['late'].sum())} past their deadline{more}")


@commitments_app.command("verify")
@cli.fails_cleanly
def verify(
    record_id: Annotated[str, typer.Argument(help="The commitment's record id.")],
    outcome: Annotated[str, typer.Option(help="fulfilled or breached.")],
    verified_on: Annotated[str | None, typer.Option(help="Default: today.")] = None,
    by: Annotated[str | None, typer.Option(help="Who verified (default: you).")] = None,
    note: Annotated[str, typer.Option(help="What was found.")] = "",
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record a commitment's outcome: the store's commitment gets it (history kept), a breach
    counts from this date on, and the subject is re-graded."""
    from credit_scoring.workflows.commitments import verify_commitment

    config = cli.settings(db_path=db, workflow_db_url=workflow_db, mlruns=mlruns)
    with cli.workspace(config, note=not as_json) as space:
        done, _ = verify_commitment(
            space, record_id, outcome=outcome, actor=by or cli.operator(), note=note,
            verified_on=cli.optional_date(verified_on, "--verified-on"),
        )  # fmt: skip
    columns = ["id", "record_id", "uscc", "outcome", "verified_on", "due_on", "verify_by",
               "grade_before", "grade_after", "store_run"]  # fmt: skip
    cli.show([{c: getattr(done, c) for c in columns}], as_json, "Commitment verified 承诺已核查")
