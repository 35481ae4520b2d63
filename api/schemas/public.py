"""The red and black lists (红黑榜) as published."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from credit_scoring.merchants import ListEntry

__all__ = ["ListPublic"]


class ListPublic(BaseModel):
    list_type: str
    day: dt.date
    snapshot_id: str
    total: int
    entries: list[ListEntry]  # the library's own record of an entry, as published
