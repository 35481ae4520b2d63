"""The red and black lists (红黑榜) as published."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

__all__ = ["ListEntryPublic", "ListPublic"]


class ListEntryPublic(BaseModel):
    uscc: str
    name: str
    list_type: str
    region_code: str
    domains: list[str]
    record_id: str
    reason: str | None
    authority: str | None
    entered: dt.date


class ListPublic(BaseModel):
    list_type: str
    day: dt.date
    snapshot_id: str
    total: int
    entries: list[ListEntryPublic]
