"""What a workflow acts on: the workflow database, the records store and the grader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from credit_scoring.errors import CreditScoringError, RecordNotFound
from credit_scoring.grading import Grader
from credit_scoring.records.codes import RECORD_TABLES
from credit_scoring.records.store import Store, quote
from credit_scoring.records.workdays import WorkdayCalendar

__all__ = ["Workspace"]


@dataclass
class Workspace:
    """The workflow database, the records store and the grader a decision re-grades with."""

    engine: Engine
    store: Store
    grader: Grader | None = None  # listing cases needs none; filing and deciding do

    def grading(self) -> Grader:
        if self.grader is None:
            raise CreditScoringError("this workspace was opened without a grader")
        return self.grader

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
