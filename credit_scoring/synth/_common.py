"""Shared pieces of the synthetic city: named random streams, the time grid, and frames.

Days are ``int64`` day numbers since 1970-01-01 throughout (cheap to compare and sort);
``NO_DAY`` stands for "never" and sorts after every real day, so ``np.minimum`` over candidate
days picks the earliest channel that fired. A *frame* is a ``dict`` of equal-length numpy arrays:
the canonical, numeric form of a table before it is rendered to text.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from credit_scoring.records.workdays import WorkdayCalendar

NO_DAY = np.int64(2**40)
EPOCH = dt.date(1970, 1, 1)
QUARTER_DAYS = 91.3125

Frame = dict[str, np.ndarray]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per (seed, stage): editing one stage leaves the others unchanged."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def uniform_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform day in ``[low, high]`` per row (``high >= low``)."""
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


def within_group(counts: np.ndarray) -> np.ndarray:
    """``0, 1, ..., c - 1`` for each count ``c``, concatenated: the position inside a repeat."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


@dataclass(frozen=True)
class Timeline:
    """The simulated window, its calendar quarters and the official working-day calendar."""

    start: dt.date
    end: dt.date
    quarter_start: np.ndarray  # first day of each quarter, the first one clipped to ``start``
    quarter_end: np.ndarray  # last day of each quarter, the last one clipped to ``end``
    labels: tuple[str, ...]  # '2020Q1', ...
    calendar: WorkdayCalendar

    @classmethod
    def build(cls, start: dt.date, end: dt.date) -> Timeline:
        if end <= start:
            raise ValueError(f"end {end} must follow start {start}")
        first = np.datetime64(start, "M").astype(np.int64) // 3 * 3
        last = np.datetime64(end, "M").astype(np.int64) // 3 * 3
        months = np.arange(first, last + 1, 3).astype("datetime64[M]")
        q_start = months.astype("datetime64[D]").astype(np.int64)
        q_end = (months + 3).astype("datetime64[D]").astype(np.int64) - 1
        q_start[0], q_end[-1] = day_number(start), day_number(end)
        labels = tuple(f"{m // 12 + 1970}Q{m % 12 // 3 + 1}" for m in months.astype(np.int64))
        # The margin keeps publication deadlines of decisions near ``end`` inside the calendar.
        calendar = WorkdayCalendar(start, end, margin_days=150)
        return cls(start, end, q_start, q_end, labels, calendar)

    @property
    def start_day(self) -> int:
        return day_number(self.start)

    @property
    def end_day(self) -> int:
        return day_number(self.end)

    @property
    def n_quarters(self) -> int:
        return len(self.quarter_start)

    def snap(self, days: np.ndarray) -> np.ndarray:
        """The first working day on or after each day (days must lie inside the calendar)."""
        as_dates = (days - 1).astype("datetime64[D]")
        return self.calendar.add_many(as_dates, 1).astype(np.int64)

    def add_workdays(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """``n[i]`` working days after ``days[i]``; ``n == 0`` keeps the day."""
        out = days.copy()
        for k in np.unique(n):
            if k > 0:
                rows = n == k
                moved = self.calendar.add_many(days[rows].astype("datetime64[D]"), int(k))
                out[rows] = moved.astype(np.int64)
        return out


def years_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def date_array(days: np.ndarray) -> pa.Array:
    """Day numbers as an Arrow ``date32`` array, ``NO_DAY`` as null."""
    missing = days >= NO_DAY
    values = np.where(missing, 0, days).astype(np.int32)
    return pa.array(values, mask=missing, type=pa.int32()).cast(pa.date32())


def take_frame(frame: Frame, index: np.ndarray) -> Frame:
    return {name: column[index] for name, column in frame.items()}


def concat_frames(*frames: Frame) -> Frame:
    return {name: np.concatenate([f[name] for f in frames]) for name in frames[0]}


def sort_frame(frame: Frame, day: str) -> Frame:
    """Rows in time order (ties by subject), so sequence numbers in record ids follow time."""
    order = np.lexsort((frame["subject"], frame[day]))
    return take_frame(frame, order)


def publication_delays(rng: np.random.Generator, n: int) -> np.ndarray:
    """Working days from decision to publication; 0 means never published.

    Most within 1-5 working days, about 12% after the 7-day rule, about 3% after 20, 2% never.
    """
    u = rng.random(n)
    delays = np.select(
        [u < 0.62, u < 0.86, u < 0.95, u < 0.98],
        [
            rng.integers(1, 4, n),
            rng.integers(4, 8, n),
            rng.integers(8, 21, n),
            rng.integers(21, 46, n),
        ],
        0,
    )
    return delays.astype(np.int64)


def published_days(timeline: Timeline, decided: np.ndarray, delays: np.ndarray) -> np.ndarray:
    """Publication days from delays; never (0) or not yet by ``end`` gives ``NO_DAY``."""
    published = timeline.add_workdays(decided, delays)
    return np.where((delays == 0) | (published > timeline.end_day), NO_DAY, published)
