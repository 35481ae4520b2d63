"""Workflow state the API writes — objections, repair applications, the audit log — in SQL.

SQLite by default, PostgreSQL by URL, through SQLAlchemy. The audit log is append-only twice
over: the library offers no way to change an entry, and the database itself refuses an UPDATE,
DELETE, REPLACE or TRUNCATE on it (triggers), so not even a hand-written query through the library
can rewrite it. Whoever can drop the triggers could; so the entries are also hash-chained (see
:mod:`credit_scoring.workflows.chain`), and ``credit-scoring audit verify`` finds any such edit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiKey",
    "AuditChainHead",
    "AuditEntry",
    "Base",
    "IssuedReport",
    "Objection",
    "Regrade",
    "RepairApplication",
    "WorkbenchSession",
    "connect",
]


class Base(DeclarativeBase):
    pass


class _ReviewCase:
    """What objections and repair applications share: the record, the deadline, the decision
    and the grades before (in force when filed) and after (the re-grade of the decision)."""

    noun: ClassVar[str]

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    record_table: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    decide_due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(Text)
    grade_before: Mapped[str | None] = mapped_column(String(1))
    before_as_of: Mapped[dt.date | None] = mapped_column(Date)
    before_scorer: Mapped[str | None] = mapped_column(String(64))  # e.g. gbm credit-grade/3
    grade_after: Mapped[str | None] = mapped_column(String(1))
    after_as_of: Mapped[dt.date | None] = mapped_column(Date)
    after_scorer: Mapped[str | None] = mapped_column(String(64))


class Objection(_ReviewCase, Base):
    """A subject's objection to one record (异议), and the reviewer's decision."""

    __tablename__ = "objections"
    noun: ClassVar[str] = "objection"  # in audit actions and messages
    reason: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(128))
    filed_on: Mapped[dt.date] = mapped_column(Date)
    flag_due: Mapped[dt.date] = mapped_column(Date)  # flagged within 1 working day; decided in 5


class RepairApplication(_ReviewCase, Base):
    """An application for credit repair (信用修复) of one record, its checks and decision."""

    __tablename__ = "repairs"
    noun: ClassVar[str] = "repair"
    applicant: Mapped[str] = mapped_column(String(128))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    fine_paid: Mapped[bool] = mapped_column(Boolean)
    behaviour_corrected: Mapped[bool] = mapped_column(Boolean)
    commitment_signed: Mapped[bool] = mapped_column(Boolean)
    failed_checks: Mapped[str] = mapped_column(Text, default="")  # ";"-separated check codes


class AuditEntry(Base):
    """Who did what, when, to which subject, with the state before and after (JSON)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    target: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # The chain (credit_scoring.workflows.chain): the previous entry's hash, the hash of the row
    # the entry wrote as it was then (a case, a key, a task, a report...), and this entry's hash.
    # Null only in entries written before the chain, which its first entry seals as one block.
    prev_sha256: Mapped[str | None] = mapped_column(String(64))
    state_sha256: Mapped[str | None] = mapped_column(String(64))
    entry_sha256: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest entry of the audit chain; one row. Appending locks it, so entries are chained
    one at a time however many workers write, and a log cut short no longer reaches it. It also
    names the tables whose rows the chain vouches for, so a table added to them later has its
    existing rows sealed once (``credit_scoring.workflows.chain.SEALED``)."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    entries: Mapped[int] = mapped_column(Integer)  # appended since the chain started
    last_id: Mapped[int] = mapped_column(Integer)
    last_sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # ";"-separated and sorted; null in a head from before it: objections, repairs and keys.
    sealed_tables: Mapped[str | None] = mapped_column(Text)


class ApiKey(Base):
    """An API key: only a salted SHA-256 of its secret is kept, never the secret itself."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)  # public part of the token
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str] = mapped_column(String(32))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Regrade(Base):
    """A subject re-graded after a decision or on request: served over the published snapshot
    until a snapshot computed after it replaces it (see ``credit_scoring.workflows.regrades``)."""

    __tablename__ = "regrades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    regraded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    explanation: Mapped[str] = mapped_column(Text)  # one row of explanation_table, as JSON
    standing: Mapped[str] = mapped_column(Text)  # the subject's standing records, as JSON


class IssuedReport(Base):
    """A credit report handed out (信用报告): what its QR code's verification page confirms.
    Only the file's SHA-256 is kept: a report altered after issue no longer matches it."""

    __tablename__ = "issued_reports"
    report_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    audience: Mapped[str] = mapped_column(String(16))  # public | official
    file_format: Mapped[str] = mapped_column(String(8))  # pdf | html
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    report_date: Mapped[dt.date] = mapped_column(Date)  # the day the records were read as of
    valid_until: Mapped[dt.date] = mapped_column(Date)
    grade: Mapped[str | None] = mapped_column(String(1))
    sha256: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(128))


class WorkbenchSession(Base):
    """A signed-in workbench browser: only the SHA-256 of its cookie's random token is kept,
    so a copy of the database opens no session; it ends at ``expires_at`` or with its key."""

    __tablename__ = "workbench_sessions"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


def _add_new_columns(engine: Engine) -> None:
    """Columns added to a table after a database was created (nullable, so old rows stay valid):
    the one kind of change this schema makes; a table or a changed column would need more."""
    existing = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(
                        text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
                    )


_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        # INSERT OR REPLACE deletes the old row without firing the delete trigger.
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_replace BEFORE INSERT ON audit_log "
        "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
           FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
        # Row triggers never see a TRUNCATE.
        "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
        """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
           FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
    ],
}
# Present: the statements are skipped, so a role that does not own the table (the service's, see
# credit_scoring.workflows.privileges) connects without the right to create them.
_PG_TRIGGERS = """SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass
                  AND tgname IN ('audit_log_append_only', 'audit_log_no_truncate')"""


def connect(url: str) -> Engine:
    """An engine with the tables created (columns added since, added to existing tables), the
    audit log made append-only and its chain started (entries from before it sealed once, and the
    rows of every table it vouches for that its head does not name yet)."""
    from credit_scoring.workflows.chain import start_chain  # it builds on these tables

    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    _add_new_columns(engine)
    with engine.begin() as connection:
        if engine.dialect.name != "postgresql" or connection.scalar(text(_PG_TRIGGERS)) != 2:
            for statement in _APPEND_ONLY.get(engine.dialect.name, []):
                connection.execute(text(statement))
    start_chain(engine)
    return engine
