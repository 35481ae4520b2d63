"""一公开 from the command line: ``plan results-due``, the plans whose results are late.

The command joins the ``plan`` group of :mod:`credit_scoring.cli.supervision`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json
from credit_scoring.cli.supervision import plan_app

_SHOWN = 50


@plan_app.command("results-due")
@cli.fails_cleanly
def results_due(
    as_of: Annotated[str | None, typer.Option(help="The day (default: today).")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every plan, not only late ones.")] = False,
    db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Plans whose inspection results are late: unpublished past the 20 working days after the
    inspection (or the plan's end), or published after them; the most overdue first."""
    import datetime as dt

    from credit_scoring.records.store import Store
    from credit_scoring.supervision.publicity import results_due as due

    day = cli.optional_date(as_of, "--as-of") or dt.date.today()
    with Store(cli.settings(db_path=db).db_path, read_only=True) as store:
        found = due(store, as_of=day, late_only=not every)
    rows = found.to_dict("records")
    if as_json:
        cli.print_json({"as_of": day, "plans": rows})
        return
    shown = [{k: r[k] for k in ("plan_id", "stored", "department", "results", "published",
                                "published_late", "overdue", "pending", "first_missed")}
             for r in rows[:_SHOWN]]  # fmt: skip
    title = "Plans' results 抽查结果公示" + ("" if every else "：逾期")
    cli.show(shown, False, f"{title} ({day})")
    late = int(found["late"].sum()) if len(found) else 0
    overdue = int(found["overdue"].sum()) if len(found) else 0
    cli.console.print(f"{late} plans late, {overdue} results unpublished past their deadline"
                      + (" (--json for all)" if len(rows) > _SHOWN else ""))  # fmt: skip
