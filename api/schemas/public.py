"""The red and black lists (红黑榜) as published."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from credit_scoring.merchants import ListEntry

__all__ = ["ListPublic", "ReportVerificationPublic"]


class ListPublic(BaseModel):
    list_type: str
    day: dt.date
    snapshot_id: str
    total: int
    entries: list[ListEntry]  # the library's own record of an entry, as published


class ReportVerificationPublic(BaseModel):
    """What the QR code of a credit report opens: the register's entry for its number."""

    report_no: str
    uscc: str
    audience: str
    issued_on: dt.date
    valid_until: dt.date
    valid_today: bool
    sha256: str  # of the file as issued: compare it with the file's own
    matches: bool | None  # whether the ``sha256`` given matches; None when none was given
