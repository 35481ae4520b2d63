"""Working-day arithmetic on the official Chinese calendar (statutory holidays and make-up days).

双公示 deadlines count working days: a decision must be published within 7 working days, the
market regulator's publicity system allows 20. The calendar comes from the ``chinese-calendar``
package, which knows each year's State Council holiday notice once it is published. Past its last
covered year no official calendar exists yet; there the Monday-to-Friday rule stands in and
:attr:`WorkdayCalendar.official_until` tells callers where that begins, so a report can say so.

Examples
--------
>>> import datetime as dt
>>> cal = WorkdayCalendar(dt.date(2025, 9, 1), dt.date(2025, 12, 31))
>>> cal.add(dt.date(2025, 9, 30), 1)  # National Day week; Sat 11 October is a make-up day
datetime.date(2025, 10, 9)
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np
from chinese_calendar import constants

__all__ = ["WorkdayCalendar"]

_OFFICIAL_FIRST = min(constants.holidays).replace(month=1, day=1)
_OFFICIAL_LAST = max(constants.holidays).replace(month=12, day=31)


class WorkdayCalendar:
    """Working days over ``[start, end]``, vectorised over numpy ``datetime64[D]`` arrays.

    Counting uses a cumulative sum of working days, so each query is two array look-ups.
    The span is widened by a margin so deadlines near ``end`` stay inside it.
    """

    def __init__(self, start: dt.date, end: dt.date, *, margin_days: int = 90) -> None:
        if end < start:
            raise ValueError(f"calendar end {end} precedes its start {start}")
        self.start = start - dt.timedelta(days=margin_days)
        self.end = end + dt.timedelta(days=margin_days)
        days = np.arange(
            np.datetime64(self.start, "D"), np.datetime64(self.end, "D") + 1, dtype="datetime64[D]"
        )
        self._is_workday = np.array([_is_workday(d.item()) for d in days], dtype=bool)
        # _cum[i] = working days in [start, start + i]
        self._cum = np.cumsum(self._is_workday)
        self._workday_index = np.flatnonzero(self._is_workday)

    @property
    def official_until(self) -> dt.date:
        """The last day the official calendar covers; later days follow Monday to Friday."""
        return _OFFICIAL_LAST

    def is_workday(self, day: dt.date) -> bool:
        return bool(self._is_workday[self._offset(np.array([day], dtype="datetime64[D]"))[0]])

    def count_between(self, after: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Working days in ``(after, until]`` for each pair; negative when ``until < after``."""
        a = self._offset(np.asarray(after, dtype="datetime64[D]"))
        b = self._offset(np.asarray(until, dtype="datetime64[D]"))
        return np.asarray(self._cum[b] - self._cum[a])

    def add(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``n`` ≥ 1)."""
        deadlines = self.add_many(np.array([day], dtype="datetime64[D]"), n)
        return dt.date.fromisoformat(str(deadlines[0]))

    def add_many(self, days: np.ndarray, n: int) -> np.ndarray:
        """Vectorised :meth:`add`: the ``n``-th working day after each day."""
        if n < 1:
            raise ValueError(f"n must be at least 1; got {n}")
        offsets = self._offset(np.asarray(days, dtype="datetime64[D]"))
        target = self._cum[offsets] + n  # the working day whose running count is this
        position = np.searchsorted(self._cum, target)
        if (position >= len(self._cum)).any():
            raise ValueError(f"a deadline falls after the calendar's end {self.end}")
        return np.datetime64(self.start, "D") + position.astype("timedelta64[D]")

    def _offset(self, days: np.ndarray) -> np.ndarray:
        offsets = (days - np.datetime64(self.start, "D")).astype(np.int64)
        if np.size(offsets) and (offsets.min() < 0 or offsets.max() >= len(self._cum)):
            raise ValueError(f"a date lies outside the calendar span {self.start}..{self.end}")
        return offsets


def _is_workday(day: dt.date) -> bool:
    if _OFFICIAL_FIRST <= day <= _OFFICIAL_LAST:
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5
