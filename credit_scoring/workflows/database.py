"""Workflow state the API writes — objections, repair applications, the audit log — in SQL.

SQLite by default, PostgreSQL by URL, through SQLAlchemy. The audit log is append-only twice
over: the library offers no way to change an entry, and the database itself refuses an UPDATE or
DELETE on it (a trigger), so not even a hand-written query through the library can rewrite it.
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
    "AuditEntry",
    "Base",
    "Objection",
    "Regrade",
    "RepairApplication",
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
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
           FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    ],
}


def connect(url: str) -> Engine:
    """An engine with the tables created (columns added since, added to existing tables) and
    the audit log made append-only."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    _add_new_columns(engine)
    with engine.begin() as connection:
        for statement in _APPEND_ONLY.get(engine.dialect.name, []):
            connection.execute(text(statement))
    return engine
