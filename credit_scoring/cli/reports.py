"""``report subject`` and ``report verify``: the credit report (信用报告) of one subject."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Snapshots, WorkflowDb
from credit_scoring.cli.records import report_app
from credit_scoring.errors import InvalidInput


@report_app.command("subject")
@cli.fails_cleanly
def report_subject(
    uscc: Annotated[str, typer.Argument(help="The subject's unified social credit code.")],
    out: Annotated[Path, typer.Option(help="The report file: .pdf or .html.")],
    as_of: Annotated[
        str | None, typer.Option(help="Records in publicity on this date (default today).")
    ] = None,
    audience: Annotated[
        str,
        typer.Option(
            help="public: personal data masked, publishable records only; "
            "official: for government use."
        ),
    ] = "official",
    db: Db = None,
    workflow_db: WorkflowDb = None,
    snapshots: Snapshots = None,
    as_json: Json = False,
) -> None:
    """A printable A4 credit report with a verification QR code, registered for checking."""
    from credit_scoring.records.store import Store
    from credit_scoring.reports import issue_report
    from credit_scoring.workflows import connect, served_now

    suffix = out.suffix.lower().lstrip(".")
    if suffix not in ("pdf", "html"):
        raise InvalidInput(
            f"--out: a report is a .pdf or .html file; got {out.name!r}", field="--out"
        )
    config = cli.settings(db_path=db, workflow_db_url=workflow_db, snapshot_dir=snapshots)
    engine = connect(config.workflow_db_url)
    served = served_now(config.snapshot_dir, engine, verify=config.verify_snapshots)
    with Store(config.db_path, read_only=True) as store:
        issued = issue_report(
            served,
            store,
            engine,
            uscc.strip().upper(),
            day=cli.optional_date(as_of, "--as-of") or dt.date.today(),
            audience=_checked(audience),
            file_format="pdf" if suffix == "pdf" else "html",
            office=config.report_office,
            valid_days=config.report_valid_days,
            verify_base_url=config.public_base_url,
            issued_by=cli.operator(),
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(issued.content)
    summary = {
        "report_no": issued.report_no,
        "file": str(out),
        "bytes": len(issued.content),
        "sha256": issued.sha256,
        "valid_until": issued.valid_until.isoformat(),
    }
    if as_json:
        cli.print_json(summary)
        return
    cli.console.print(
        f"Credit report {issued.report_no} for {uscc} ({audience}): {out}, "
        f"{len(issued.content):,} bytes, valid until {issued.valid_until}"
    )
    cli.console.print(f"SHA-256 {issued.sha256}", soft_wrap=True)
    if not config.public_base_url:
        cli.errors.print(
            "note: CREDIT_SCORING_PUBLIC_BASE_URL is not set, so the QR code holds "
            "only the verification path, not a full address",
            soft_wrap=True,
        )


def _checked(audience: str) -> Any:
    from credit_scoring.reports import AUDIENCES

    if audience not in AUDIENCES:
        raise InvalidInput(
            f"--audience must be one of {list(AUDIENCES)}; got {audience!r}", field="--audience"
        )
    return audience


@report_app.command("verify")
@cli.fails_cleanly
def report_verify(
    file: Annotated[Path, typer.Argument(help="A credit report file as handed out.")],
    report_no: Annotated[
        str | None, typer.Option(help="The number printed on it (default: found by digest).")
    ] = None,
    workflow_db: WorkflowDb = None,
    as_json: Json = False,
) -> None:
    """Was this very file issued here, under which number, and is it still valid?"""
    from credit_scoring.reports import verify_report
    from credit_scoring.workflows import connect

    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    result = verify_report(engine, report_no=report_no, sha256=digest)
    if as_json:
        cli.print_json(vars(result) | {"file_sha256": digest})
    elif result.matches is False:
        cli.console.print(
            f"[red]NOT GENUINE[/red]: {file} is not the file issued as "
            f"{result.report_no} on {result.issued_on} (altered or replaced)"
        )
    else:
        validity = "valid" if result.valid_on else "expired"
        cli.console.print(
            f"Genuine: report {result.report_no} for {result.uscc}, issued "
            f"{result.issued_on}, {validity} until {result.valid_until}"
        )
    if result.matches is False:
        raise typer.Exit(1)
