"""List entries (名单) by rule, from the records of the other channels.

* black (严重失信主体名单): two serious penalties within 365 days; entered 10-40 working days
  after the second; 40% removed after 1-3 years.
* key_attention (重点关注名单): three general penalties within 365 days; entered 5-20 working
  days after the third; 60% removed after half a year to two years.
* judgment_debtor (失信被执行人): 3% of fines go unpaid and reach a court 6-13 months later,
  plus 0.2% of subjects for unrelated debts; half are removed later.
* red (守信激励名单): each January, 3% of subjects registered 3+ years with no adverse record
  (penalty, substantiated complaint, inspection finding a violation, black or key-attention
  entry) in the past 3 years; the entry lasts a year.

Erroneous penalties never trigger an entry: the list rules run on genuine penalties only.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from credit_scoring.synth._common import (
    NO_DAY,
    Frame,
    Timeline,
    concat_frames,
    day_number,
    sort_frame,
    stream,
    uniform_days,
)
from credit_scoring.synth._subjects import Subjects

# list types in codes.LIST_TYPES order
_RED, _BLACK, _KEY, _DEBTOR = range(4)
REASONS = (
    "连续三年无不良信用记录",
    "一年内两次严重违法失信行为",
    "一年内三次一般失信行为",
    "有履行能力而拒不履行生效法律文书确定的义务",
)
_UNPAID, _OTHER_DEBTORS, _RED_SHARE = 0.03, 0.002, 0.03


def list_frame(
    seed: int,
    subjects: Subjects,
    penalties: Frame,
    complaints: Frame,
    inspections: Frame,
    timeline: Timeline,
) -> Frame:
    """All list entries: ``subject``, ``day`` (entered), ``list_type``, ``removed``."""
    rng = stream(seed, "lists")
    genuine = {name: col[~penalties["erroneous"]] for name, col in penalties.items()}
    by_subject = np.lexsort((genuine["day"], genuine["subject"]))
    subject, day, severity = (genuine[c][by_subject] for c in ("subject", "day", "severity"))
    last = subjects.last_active(timeline)
    black = _repeat_rule(rng, subject, day, severity == 2, 2, (10, 41), _BLACK, last, timeline)
    key = _repeat_rule(rng, subject, day, severity == 1, 3, (5, 21), _KEY, last, timeline)
    for entries, share, (low, high) in ((black, 0.4, (365, 1095)), (key, 0.6, (180, 730))):
        entries["removed"] = _removal(rng, entries["day"], share, low, high, timeline)
    debtors = _debtors(rng, subjects, genuine, timeline)
    adverse_subject = np.concatenate(
        [
            genuine["subject"],
            complaints["subject"][complaints["outcome"] == 0],
            inspections["subject"][inspections["result"] == 2],
            black["subject"],
            key["subject"],
        ]
    )
    adverse_day = np.concatenate(
        [
            genuine["day"],
            complaints["day"][complaints["outcome"] == 0],
            inspections["day"][inspections["result"] == 2],
            black["day"],
            key["day"],
        ]
    )
    red = _red(rng, subjects, adverse_subject, adverse_day, timeline)
    return sort_frame(concat_frames(black, key, debtors, red), "day")


def _repeat_rule(
    rng: np.random.Generator,
    subject: np.ndarray,
    day: np.ndarray,
    counts: np.ndarray,
    times: int,
    delay: tuple[int, int],
    list_type: int,
    last_active: np.ndarray,
    timeline: Timeline,
) -> Frame:
    """First time a subject has ``times`` qualifying penalties within 365 days (rows sorted).

    The entry follows after ``delay`` working days, if the subject is still registered then.
    """
    rows = np.flatnonzero(counts)
    s, d = subject[rows], day[rows]
    lag = times - 1
    hit = (s[lag:] == s[:-lag]) & (d[lag:] - d[:-lag] <= 365) if len(s) > lag else np.zeros(0, bool)
    trigger = np.flatnonzero(hit) + lag
    first = trigger[np.unique(s[trigger], return_index=True)[1]]
    entered = timeline.add_workdays(d[first], rng.integers(delay[0], delay[1], len(first)))
    keep = entered <= last_active[s[first]]
    return _entries(s[first][keep], entered[keep], list_type)


def _entries(subject: np.ndarray, day: np.ndarray, list_type: int) -> Frame:
    return {
        "subject": subject,
        "day": day,
        "list_type": np.full(len(subject), list_type),
        "removed": np.full(len(subject), NO_DAY),
    }


def _removal(
    rng: np.random.Generator,
    entered: np.ndarray,
    share: float,
    low: int,
    high: int,
    timeline: Timeline,
) -> np.ndarray:
    removed = entered + rng.integers(low, high + 1, len(entered))
    chosen = (rng.random(len(entered)) < share) & (removed <= timeline.end_day)
    return np.where(chosen, removed, NO_DAY)


def _debtors(
    rng: np.random.Generator, subjects: Subjects, genuine: Frame, timeline: Timeline
) -> Frame:
    """Unpaid fines that reach a court, and unrelated judgment debts."""
    fined = np.flatnonzero(~np.isnan(genuine["fine"]) & (rng.random(len(genuine["day"])) < _UNPAID))
    day = genuine["day"][fined] + rng.integers(180, 401, len(fined))
    other = np.flatnonzero(rng.random(subjects.n) < _OTHER_DEBTORS)
    other_day = uniform_days(
        rng, subjects.first_active(timeline)[other], subjects.last_active(timeline)[other]
    )
    subject = np.concatenate([genuine["subject"][fined], other])
    day = np.concatenate([day, other_day])
    inside = day <= timeline.end_day
    subject, day = subject[inside], timeline.snap(day[inside])
    keep = day <= np.minimum(subjects.last_active(timeline)[subject], timeline.end_day)
    entries = _entries(subject[keep], day[keep], _DEBTOR)
    entries["removed"] = _removal(rng, entries["day"], 0.5, 60, 500, timeline)
    return entries


def _red(
    rng: np.random.Generator,
    subjects: Subjects,
    adverse_subject: np.ndarray,
    adverse_day: np.ndarray,
    timeline: Timeline,
) -> Frame:
    """Annual red lists: 3 clean years (on the records) and 3 years on the register."""
    order = np.argsort(adverse_day, kind="stable")
    adverse_subject, adverse_day = adverse_subject[order], adverse_day[order]
    last_adverse = np.full(subjects.n, -(10**6), dtype=np.int64)
    done, parts = 0, []
    for year in range(timeline.start.year + 3, timeline.end.year + 1):
        listed = int(timeline.snap(np.array([day_number(dt.date(year, 1, 20))]))[0])
        if listed - 3 * 365 < timeline.start_day or listed > timeline.end_day:
            continue
        upto = int(np.searchsorted(adverse_day, listed))
        np.maximum.at(last_adverse, adverse_subject[done:upto], adverse_day[done:upto])
        done = upto
        eligible = (
            (subjects.registered <= listed - 3 * 365)
            & (subjects.exit_day > listed)
            & (last_adverse < listed - 3 * 365)
        )
        chosen = np.flatnonzero(eligible & (rng.random(subjects.n) < _RED_SHARE))
        entries = _entries(chosen, np.full(len(chosen), listed), _RED)
        expiry = listed + 365
        entries["removed"] = np.full(len(chosen), expiry if expiry <= timeline.end_day else NO_DAY)
        parts.append(entries)
    return (
        concat_frames(*parts)
        if parts
        else _entries(np.zeros(0, np.int64), np.zeros(0, np.int64), _RED)
    )
