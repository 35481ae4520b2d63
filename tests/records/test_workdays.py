"""Working days on the official calendar: holidays and make-up working days included."""

import datetime as dt

import numpy as np

from credit_scoring.records.workdays import WorkdayCalendar


def test_seven_working_days_across_the_2026_spring_festival():
    # Spring Festival 2026: 15–23 February off; Saturdays 14 and 28 February are working days.
    cal = WorkdayCalendar(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    # From Friday 13 Feb: 14 (make-up Sat), 24, 25, 26, 27, 28 (make-up Sat), then Monday 2 March.
    assert cal.add(dt.date(2026, 2, 13), 7) == dt.date(2026, 3, 2)
    assert cal.is_workday(dt.date(2026, 2, 14))
    assert not cal.is_workday(dt.date(2026, 2, 16))  # a Monday inside the holiday


def test_seven_working_days_across_the_2025_national_day():
    # National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October work.
    cal = WorkdayCalendar(dt.date(2025, 9, 1), dt.date(2025, 10, 31))
    # From Friday 26 Sep: 28 (Sun), 29, 30, 9 Oct, 10, 11 (Sat), then Monday 13 October.
    assert cal.add(dt.date(2025, 9, 26), 7) == dt.date(2025, 10, 13)
    assert cal.add(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)


def test_counting_and_adding_agree():
    cal = WorkdayCalendar(dt.date(2024, 1, 1), dt.date(2026, 6, 30))
    starts = np.arange("2024-01-01", "2026-06-01", dtype="datetime64[D]")
    for n in (1, 7, 20):
        deadlines = cal.add_many(starts, n)
        assert (cal.count_between(starts, deadlines) == n).all()
        assert (cal.count_between(starts, deadlines - 1) == n - 1).all()  # the first such day


def test_past_the_official_calendar_weekdays_stand_in():
    cal = WorkdayCalendar(dt.date(2026, 12, 1), dt.date(2027, 1, 31))
    assert cal.official_until == dt.date(2026, 12, 31)
    assert cal.is_workday(dt.date(2027, 1, 4))  # a Monday
    assert not cal.is_workday(dt.date(2027, 1, 9))  # a Saturday
