"""List identification from the command line (``lists …``): identify, notice, object, decide,
exits, cases.

Every act is dated today (``CREDIT_SCORING_TODAY`` pins it, as for the service); deadlines count
working days on the official calendar. A confirmed entry is written to the store and the subject
re-graded at once, as the HTTP service does; a running service serves it at its next poll.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Mlruns, WorkflowDb

if TYPE_CHECKING:
    from credit_scoring.settings import Settings
    from credit_scoring.workflows.listing import ListingCase

app = typer.Typer(
    help="List identification (名单认定): identify, notice, object, decide, exits.",
    no_args_is_help=True,
)

ListOption = Annotated[str, typer.Option("--list", help="black, key_attention or red.")]
By = Annotated[str | None, typer.Option(help="Who acts (default: the user running this).")]
Note = Annotated[str, typer.Option(help="The reasons, for the record.")]
_COLUMNS = ["id", "list_type", "uscc", "name", "status", "department", "noticed_on",
            "objection_due", "objection_status", "decided_on", "entry_record_id", "term_until",
            "exited_on", "exit_reason"]  # fmt: skip
_SHORT = ["id", "list_type", "uscc", "status", "objection_due", "entry_record_id", "term_until"]


def _config(db: Path | None, workflow_db: str | None, mlruns: Path | None = None) -> Settings:
    return cli.settings(db_path=db, workflow_db_url=workflow_db, mlruns=mlruns)


def _today(config: Settings) -> dt.date:
    return config.today or dt.date.today()


def _show(cases: list[ListingCase], as_json: bool, title: str) -> None:
    if as_json:
        cli.print_json([{**{c: getattr(case, c) for c in _COLUMNS}, "criteria": case.cited}
                        for case in cases])  # fmt: skip
        return
    cli.show([{c: getattr(case, c) for c in _SHORT} for case in cases], False, title)


@app.command("identify")
@cli.fails_cleanly
def identify(
    as_of: Annotated[str, typer.Option(help="With only what was known on this date.")],
    list_type: Annotated[str | None, typer.Option("--list", help="One list only.")] = None,
    db: Db = None, workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Propose the subjects each list's criteria (models/lists.yaml) select, with the criteria
    met and the records behind them; subjects with an open notice are left out."""
    from credit_scoring.records.store import Store
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.listing import propose

    config = _config(db, workflow_db)
    day = cli.parse_date(as_of)
    with Store(config.db_path, read_only=True) as store:
        found = propose(store, connect(config.workflow_db_url), as_of=day,
                        list_types=[list_type] if list_type else None)  # fmt: skip
    if as_json:
        cli.print_json({"as_of": day, "candidates": [c.as_dict() for c in found],
                        "per_list": Counter(c.list_type for c in found)})  # fmt: skip
        return
    rows = [{"list": c.list_type, "uscc": c.uscc, "name": c.name, "department": c.department,
             "criteria": " ".join(f"{m.code}×{m.count}" if m.count else m.code for m in c.met),
             "records": " ".join(c.record_ids[:4]) + (" …" if len(c.record_ids) > 4 else "")}
            for c in found]  # fmt: skip
    per_list = ", ".join(f"{k} {v}" for k, v in sorted(Counter(c.list_type for c in found).items()))
    cli.show(rows, False, f"Candidates as of {day}: {per_list or 'none'}")


@app.command("notice")
@cli.fails_cleanly
def notice(
    uscc: str, list_type: ListOption, by: By = None,
    db: Db = None, workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Serve the notice (告知) proposing USCC for a list; the objection period starts today."""
    from credit_scoring.workflows.listing import serve_notice

    config = _config(db, workflow_db)
    with cli.workspace(config, grade=False, note=False) as space:
        case = serve_notice(space, uscc=uscc, list_type=list_type, actor=by or cli.operator(),
                            today=_today(config))  # fmt: skip
    _show([case], as_json, f"Notice served; objections heard until {case.objection_due}")


@app.command("object")
@cli.fails_cleanly
def object_(
    case_id: int,
    reason: Annotated[str, typer.Option(help="The subject's statement (陈述申辩).")],
    filed_by: Annotated[str, typer.Option(help="The subject or its agent.")],
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """File the subject's objection to a notice, within its objection period."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.listing import object_to_notice

    config = cli.settings(workflow_db_url=workflow_db)
    case = object_to_notice(connect(config.workflow_db_url), case_id, reason=reason,
                            filed_by=filed_by, today=_today(config))  # fmt: skip
    _show([case], as_json, f"Objection filed; a reviewer decides by {case.objection_decide_due}")


@app.command("decide-objection")
@cli.fails_cleanly
def decide_objection(
    case_id: int,
    upheld: Annotated[bool, typer.Option("--upheld/--rejected", help="The decision.")],
    reviewer: Annotated[str, typer.Option(help="Who decides.")], note: Note = "",
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Uphold an objection to a notice (no entry) or reject it."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.listing import decide_notice_objection

    config = cli.settings(workflow_db_url=workflow_db)
    case = decide_notice_objection(connect(config.workflow_db_url), case_id, upheld=upheld,
                                   reviewer=reviewer, note=note, today=_today(config))  # fmt: skip
    _show([case], as_json, f"Objection {case.objection_status}; listing {case.status}")


@app.command("decide")
@cli.fails_cleanly
def decide(
    case_id: int,
    confirm: Annotated[bool, typer.Option("--confirm/--withdraw", help="The decision.")],
    by: By = None, note: Note = "",
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Confirm a notice after its objection period (the entry is written, the subject re-graded,
    the measures' tasks issued) or withdraw it."""
    from credit_scoring.workflows.listing import decide_listing

    config = _config(db, workflow_db, mlruns)
    with cli.workspace(config, grade=confirm, note=not as_json) as space:
        case, regraded = decide_listing(
            space, case_id, confirm=confirm, note=note, actor=by or cli.operator(),
            today=_today(config),
        )  # fmt: skip
    grade = f"; graded {regraded.explanation['grade']}" if regraded else ""
    _show([case], as_json, f"Listing {case.status}{grade}")


@app.command("exits")
@cli.fails_cleanly
def exits(
    db: Db = None, workflow_db: WorkflowDb = None, mlruns: Mlruns = None, as_json: Json = False
) -> None:
    """Exit (移出) every entry whose term ended or that a repair or an upheld objection removed
    by today, each with its own date. Run it daily."""
    from credit_scoring.workflows.listing import sweep_exits

    config = _config(db, workflow_db, mlruns)
    with cli.workspace(config, note=not as_json) as space:
        done = sweep_exits(space, today=_today(config), actor=cli.operator())
    _show([case for case, _ in done], as_json, f"{len(done)} entries exited")


@app.command("cases")
@cli.fails_cleanly
def cases(
    status: Annotated[str | None, typer.Option(help="noticed, objected, listed, …")] = None,
    list_type: Annotated[str | None, typer.Option("--list", help="One list only.")] = None,
    uscc: Annotated[str | None, typer.Option(help="One subject only.")] = None,
    workflow_db: WorkflowDb = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Listing cases, oldest first (from the workflow database alone)."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.listing import list_listings

    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    found: list[Any] = list_listings(engine, status=status, list_type=list_type, uscc=uscc)
    _show(found, as_json, "Listing cases")
