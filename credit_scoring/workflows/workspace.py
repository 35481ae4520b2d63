"""What a workflow acts on: the workflow database, the records store and the tracked models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from credit_scoring.errors import CreditScoringError
from credit_scoring.explain.service import explain_from_store
from credit_scoring.records.codes import RECORD_TABLES
from credit_scoring.records.store import Store, quote
from credit_scoring.records.workdays import WorkdayCalendar

__all__ = ["RecordNotFound", "WorkflowItemNotFound", "Workspace"]


class WorkflowItemNotFound(CreditScoringError, KeyError):
    """No objection or repair application with that id (a KeyError, as it was before)."""

    http_status = 404


class RecordNotFound(CreditScoringError):
    """The record an objection or a repair names does not exist for that subject."""

    http_status = 404


@dataclass
class Workspace:
    engine: Engine
    store: Store
    tracking_root: Path

    def grade(self, uscc: str, day: dt.date) -> str:
        """The subject's grade as of ``day`` with the current champion: the re-grade."""
        return explain_from_store(
            self.store, uscc, as_of=day, tracking_root=self.tracking_root
        ).grade

    def regrade(
        self, uscc: str, day: dt.date, event: tuple[str, str, str, str, str] | None
    ) -> tuple[str, str]:
        """The grade before and after appending ``event`` (table, record, type, actor, note)."""
        before = self.grade(uscc, day)
        if event is not None:
            table, record_id, event_type, actor, note = event
            self.store.add_event(table, record_id, event_type, day, actor, note)
        return before, self.grade(uscc, day)

    def record(self, uscc: str, table: str, record_id: str) -> dict[str, object]:
        """The stored record, checked to belong to ``uscc``."""
        if table not in RECORD_TABLES:
            raise RecordNotFound(f"{table!r} is not a record table: {list(RECORD_TABLES.codes)}")
        cursor = self.store.con.execute(
            f"SELECT * FROM {quote(table)} WHERE record_id = ? AND uscc = ?", [record_id, uscc]
        )
        row = cursor.fetchone()
        if row is None:
            raise RecordNotFound(f"no record {record_id!r} of subject {uscc} in {table}")
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        return WorkdayCalendar(day, day + dt.timedelta(days=3 * n + 30)).add(day, n)
