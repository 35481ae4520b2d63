"""Statistical periods as higher authorities name them: a quarter, a month or a year."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from credit_scoring.errors import InvalidInput

__all__ = ["last_ended_quarter", "parse_period"]

_QUARTER = re.compile(r"(\d{4})-?Q([1-4])")
_MONTH = re.compile(r"(\d{4})(?:-M?|M)(\d{2})")
_YEAR = re.compile(r"(\d{4})")
_YEARS = (1949, 2100)


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the period ``text`` names.

    Accepted: a quarter (``2026Q3``, ``2026-Q3``), a month (``2026M07``, ``2026-07``) or a year
    (``2026``), in either case; anything else raises :class:`InvalidInput`.

    Examples
    --------
    >>> parse_period("2026Q3")
    (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    >>> parse_period("2026-02")
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    >>> parse_period("2025")
    (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    """
    value = text.strip().upper()
    if match := _QUARTER.fullmatch(value):
        year, quarter = int(match[1]), int(match[2])
        return _months(year, 3 * quarter - 2, 3 * quarter)
    if (match := _MONTH.fullmatch(value)) and 1 <= int(match[2]) <= 12:
        return _months(int(match[1]), int(match[2]), int(match[2]))
    if match := _YEAR.fullmatch(value):
        return _months(int(match[1]), 1, 12)
    raise InvalidInput(
        f"period {text!r} is not a quarter (2026Q3, 2026-Q3), a month (2026M07, 2026-07) or a "
        "year (2026)",
        field="period",
    )


def _months(year: int, first: int, last: int) -> tuple[dt.date, dt.date]:
    # The records start with the People's Republic; far-off years only overflow the calendars.
    if not _YEARS[0] <= year <= _YEARS[1]:
        raise InvalidInput(f"period year {year} lies outside {_YEARS[0]}–{_YEARS[1]}",
                           field="period")  # fmt: skip
    return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])


def last_ended_quarter(day: dt.date) -> str:
    """The latest quarter that ended before ``day``: what a report asked for without a period
    covers.

    Examples
    --------
    >>> last_ended_quarter(dt.date(2026, 10, 9)), last_ended_quarter(dt.date(2026, 2, 1))
    ('2026Q3', '2025Q4')
    """
    ended = (day.month - 1) // 3  # quarters of this year that have ended
    return f"{day.year}Q{ended}" if ended else f"{day.year - 1}Q4"
