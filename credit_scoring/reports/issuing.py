"""Issuing a credit report and verifying one: the register behind the report's QR code.

Each report handed out gets a number and is registered in the workflow database with its date,
validity and the SHA-256 of the very file handed out; its audit entry hashes that row, so a
digest changed in the database afterwards is found by ``audit verify``. The verification page
confirms a number's issue date and digest; a file whose digest is not registered was not issued
here or was altered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from credit_scoring.errors import InvalidInput, ReportNotFound
from credit_scoring.records.store import Store
from credit_scoring.reports.content import Audience, credit_report
from credit_scoring.reports.document import report_html, report_pdf
from credit_scoring.snapshots.serving import Served
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import IssuedReport

__all__ = [
    "IssuedDocument",
    "ReportVerification",
    "issue_report",
    "register_report",
    "verify_report",
]

FileFormat = Literal["pdf", "html"]


@dataclass(frozen=True)
class IssuedDocument:
    report_no: str
    content: bytes
    sha256: str
    file_format: FileFormat
    issued_at: dt.datetime
    valid_until: dt.date


@dataclass(frozen=True)
class ReportVerification:
    report_no: str
    uscc: str
    audience: str
    issued_on: dt.date
    valid_until: dt.date
    sha256: str
    matches: bool | None  # None: no digest was given to compare
    valid_on: bool  # still within its validity on the day asked


def issue_report(
    served: Served, store: Store, engine: Engine, uscc: str, *, day: dt.date,
    audience: Audience, file_format: FileFormat, office: str, valid_days: int,
    verify_base_url: str | None, issued_by: str,
) -> IssuedDocument:  # fmt: skip
    """Gather, render and register the report of ``uscc``; the audit log records who asked."""
    if file_format not in ("pdf", "html"):
        raise InvalidInput(f"a report is a pdf or html file; got {file_format!r}", field="format")
    report = credit_report(served, store, engine, uscc, day=day, audience=audience)
    issued_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    report_no = f"XY{issued_at:%Y%m%d}-{secrets.token_hex(4).upper()}"
    valid_until = issued_at.date() + dt.timedelta(days=valid_days)
    path = f"/public/reports/{report_no}"
    html = report_html(
        report, report_no=report_no, office=office, issued_on=issued_at.date(),
        valid_until=valid_until, verify_url=(verify_base_url or "").rstrip("/") + path,
    )  # fmt: skip
    content = report_pdf(html) if file_format == "pdf" else html.encode()
    digest = hashlib.sha256(content).hexdigest()
    register_report(engine, IssuedReport(
        report_no=report_no, uscc=uscc, audience=audience, file_format=file_format,
        issued_at=issued_at, report_date=day, valid_until=valid_until,
        grade=report.grade.grade if report.grade else None, sha256=digest, issued_by=issued_by,
    ))  # fmt: skip
    return IssuedDocument(report_no, content, digest, file_format, issued_at, valid_until)


def register_report(engine: Engine, issued: IssuedReport) -> None:
    """Register ``issued`` with its audit entry (``report_issued``, by its issuer), in one
    transaction: the entry hashes the row, so a digest changed in the register afterwards is
    found by ``audit verify``."""
    with Session(engine) as session:
        session.add(issued)
        audit(session, actor=issued.issued_by, action="report_issued", uscc=issued.uscc,
              target=issued.report_no,
              after={"audience": issued.audience, "sha256": issued.sha256},
              row=issued)  # fmt: skip
        session.commit()


def verify_report(
    engine: Engine, *, report_no: str | None = None, sha256: str | None = None,
    day: dt.date | None = None,
) -> ReportVerification:  # fmt: skip
    """The register's entry for ``report_no`` (and whether ``sha256`` is the issued file's), or
    the entry whose file has digest ``sha256``; ``ReportNotFound`` when there is none."""
    if report_no is None and sha256 is None:
        raise InvalidInput("give a report number or a file digest", field="report_no")
    digest = sha256.strip().lower() if sha256 else None
    with Session(engine) as session:
        query = select(IssuedReport)
        query = query.where(IssuedReport.report_no == report_no) if report_no else \
            query.where(IssuedReport.sha256 == digest)  # fmt: skip
        entry = session.scalars(query).first()
    if entry is None:
        if report_no:
            raise ReportNotFound(f"no credit report numbered {report_no} was issued here")
        raise ReportNotFound(
            f"no credit report with SHA-256 {digest} was issued here: the file was altered "
            "after issue, or did not come from this office"
        )
    day = day or dt.date.today()
    return ReportVerification(
        report_no=entry.report_no, uscc=entry.uscc, audience=entry.audience,
        issued_on=entry.issued_at.date(), valid_until=entry.valid_until, sha256=entry.sha256,
        matches=None if digest is None else digest == entry.sha256,
        valid_on=day <= entry.valid_until,
    )  # fmt: skip
