"""The channels that observe violations: patrols, complaints and inspections.

Each function returns a frame (numeric columns, ``subject`` and a day per row); rendering to
text happens in ``_tables``. Only violations (their days, durations, domains and severities)
flow in here, never the latent risk, so a model can learn risk only through these records.
"""

from __future__ import annotations

import numpy as np

from credit_scoring.records import codes
from credit_scoring.synth import _vocab as v
from credit_scoring.synth._common import (
    NO_DAY,
    Frame,
    Timeline,
    concat_frames,
    published_days,
    sort_frame,
    stream,
    take_frame,
    uniform_days,
)
from credit_scoring.synth._inspectors import Roster
from credit_scoring.synth._latent import Violations
from credit_scoring.synth._subjects import Subjects

# Per domain: the chance a street patrol catches a violation, and that it draws a complaint.
_PATROL = np.array([0.30, 0.22, 0.25, 0.28, 0.25, 0.30, 0.20, 0.12, 0.18, 0.25, 0.22])
_COMPLAINT = np.array([0.09, 0.15, 0.15, 0.11, 0.05, 0.10, 0.06, 0.05, 0.05, 0.09, 0.08])
# Unfounded complaints per quarter, per domain; scaled by a subject's visibility, not its risk.
_NOISE = np.array([0.024, 0.036, 0.032, 0.016, 0.012, 0.024, 0.016, 0.008, 0.008, 0.016, 0.024])
_CHANNEL_SHARES = np.array([0.65, 0.04, 0.22, 0.09])  # order of codes.COMPLAINT_CHANNELS
_TARGETED = 0.30  # complaints followed by an on-site inspection
_RANDOM_RATE = 0.01  # 双随机 draws per quarter: about 4% of subjects a year
_FRAME_LAG = 365  # the register drops deregistered subjects up to a year late
_DETECTION = 0.85


def procedure_lag(rng: np.random.Generator, severity: np.ndarray) -> np.ndarray:
    """Days from finding to decision: simplified procedure for minor, weeks for the rest."""
    n = len(severity)
    return np.select(
        [severity == 0, severity == 1],
        [rng.integers(0, 3, n), rng.integers(7, 46, n)],
        rng.integers(20, 91, n),
    ).astype(np.int64)


def decision_days(timeline: Timeline, days: np.ndarray) -> np.ndarray:
    """Snap to the next working day; decisions that would fall after ``end`` become NO_DAY."""
    out = np.full(len(days), NO_DAY)
    inside = days <= timeline.end_day
    out[inside] = timeline.snap(days[inside])
    return np.where(out <= timeline.end_day, out, NO_DAY)


def patrol_penalty_days(seed: int, violations: Violations, timeline: Timeline) -> np.ndarray:
    """Day of the penalty decision after a patrol catches each violation, or NO_DAY."""
    rng = stream(seed, "patrol")
    m = len(violations)
    caught = rng.random(m) < _PATROL[violations.domain]
    seen = violations.day + np.floor(rng.random(m) * np.minimum(violations.duration, 60)).astype(
        np.int64
    )
    decided = np.where(caught, seen + procedure_lag(rng, violations.severity), NO_DAY)
    return decision_days(timeline, decided)


def complaint_frame(
    seed: int, subjects: Subjects, violations: Violations, timeline: Timeline
) -> Frame:
    """Complaints caused by violations (mostly substantiated) and unfounded ones (noise)."""
    rng = stream(seed, "complaints")
    m = len(violations)
    raised = rng.random(m) < _COMPLAINT[violations.domain]
    delay = np.floor(rng.random(m) * np.minimum(violations.duration, 14)).astype(np.int64)
    received = violations.day + delay
    last = subjects.last_active(timeline)[violations.subject]
    keep = raised & (received <= last)
    founded = {
        "subject": violations.subject[keep],
        "day": received[keep],
        "domain": violations.domain[keep],
        "outcome": np.where(rng.random(int(keep.sum())) < 0.85, 0, 1),
    }
    first, last_all = subjects.first_active(timeline), subjects.last_active(timeline)
    visibility = rng.gamma(2.0, 0.5, subjects.n)  # busy frontage, not risk
    quarters = np.maximum(last_all - first + 1, 0) / 91.3125
    counts = rng.poisson(_NOISE[subjects.domain] * visibility * quarters)
    who = np.repeat(np.arange(subjects.n), counts)
    unfounded = {
        "subject": who,
        "day": uniform_days(rng, first[who], last_all[who]),
        "domain": subjects.domain[who].astype(np.int64),
        "outcome": np.where(rng.random(len(who)) < 0.03, 0, 1),
    }
    frame = concat_frames(founded, unfounded)
    return _close_complaints(rng, frame, timeline)


def _close_complaints(rng: np.random.Generator, frame: Frame, timeline: Timeline) -> Frame:
    """Channel, category and closing day; complaints not closed by ``end`` are pending."""
    n = len(frame["subject"])
    frame["channel"] = rng.choice(len(_CHANNEL_SHARES), size=n, p=_CHANNEL_SHARES)
    frame["category"] = frame["domain"] * 2 + rng.integers(0, 2, size=n)
    closed = timeline.add_workdays(frame["day"], rng.integers(1, 16, size=n))
    pending = closed > timeline.end_day
    frame["closed"] = np.where(pending, NO_DAY, closed)
    frame["outcome"] = np.where(
        pending, codes.COMPLAINT_OUTCOMES.codes.index("pending"), frame["outcome"]
    )
    return sort_frame(frame, "day")


def random_inspection_frame(seed: int, subjects: Subjects, timeline: Timeline) -> Frame:
    """双随机 plans: each quarter each department draws a simple random sample of its register.

    The sample size is ``rate * N`` rounded at random (so the expected rate is exact), and
    ``prob = k / N`` is the inclusion probability within the stratum (department, quarter).
    """
    rng = stream(seed, "inspections.random")
    department = subjects.department
    n_departments = len(v.DISTRICT_CODES) * len(v.BUREAUS)
    by_department = np.argsort(department, kind="stable")
    parts: list[Frame] = []
    for q in range(timeline.n_quarters):
        q_start = timeline.quarter_start[q]
        on_register = (subjects.registered < q_start) & (subjects.exit_day >= q_start - _FRAME_LAG)
        members = by_department[on_register[by_department]]
        sizes = np.bincount(department[members], minlength=n_departments)
        draws = np.floor(_RANDOM_RATE * sizes + rng.random(n_departments)).astype(np.int64)
        offsets = np.cumsum(sizes) - sizes
        for d in np.flatnonzero(draws):
            chosen = members[offsets[d] + rng.choice(sizes[d], size=draws[d], replace=False)]
            parts.append(
                {
                    "subject": chosen,
                    "department": np.full(len(chosen), d),
                    "plan": np.full(len(chosen), q * n_departments + d),
                    "prob": np.full(len(chosen), draws[d] / sizes[d]),
                }
            )
    if not parts:
        return _empty_inspections()
    frame = concat_frames(*parts)
    frame["day"] = _inspection_days(rng, frame["plan"] // n_departments, timeline)
    frame["random"] = np.ones(len(frame["day"]), dtype=bool)
    # Only a window ending a day or two into a quarter of holidays leaves a plan undone.
    return take_frame(frame, np.flatnonzero(frame["day"] <= timeline.end_day))


def _inspection_days(
    rng: np.random.Generator, quarter: np.ndarray, timeline: Timeline
) -> np.ndarray:
    """A working day inside the quarter; near ``end`` fall back to the quarter's first one."""
    low, high = timeline.quarter_start[quarter], timeline.quarter_end[quarter]
    day = timeline.snap(uniform_days(rng, low, high))
    return np.where(day > timeline.end_day, timeline.snap(low), day)


def _empty_inspections() -> Frame:
    empty = np.zeros(0, dtype=np.int64)
    return {
        "subject": empty, "department": empty, "plan": empty, "prob": np.zeros(0),
        "day": empty, "random": np.zeros(0, dtype=bool),
    }  # fmt: skip


def targeted_inspection_frame(
    seed: int, subjects: Subjects, complaints: Frame, timeline: Timeline
) -> Frame:
    """On-site checks after a share of complaints: not random, no inclusion probability."""
    rng = stream(seed, "inspections.targeted")
    chosen = rng.random(len(complaints["day"])) < _TARGETED
    day = timeline.add_workdays(
        complaints["day"][chosen], rng.integers(1, 8, size=int(chosen.sum()))
    )
    keep = day <= timeline.end_day
    subject = complaints["subject"][chosen][keep]
    return {
        "subject": subject,
        "department": subjects.department[subject],
        "plan": np.full(len(subject), -1),
        "prob": np.full(len(subject), np.nan),
        "day": day[keep],
        "random": np.zeros(len(subject), dtype=bool),
    }


def inspect(
    seed: int,
    subjects: Subjects,
    violations: Violations,
    roster: Roster,
    frame: Frame,
    timeline: Timeline,
) -> Frame:
    """Results, inspectors and publication of inspections; ``found`` is the violation seen."""
    rng = stream(seed, "inspections.results")
    frame = sort_frame(frame, "day")
    n = len(frame["day"])
    gone = subjects.exit_day[frame["subject"]] <= frame["day"]
    found = violations.ongoing(frame["subject"], frame["day"])
    found = np.where(~gone & (found >= 0) & (rng.random(n) < _DETECTION), found, -1)
    # compliant 0, rectified 1, violation 2, not_found 3 (codes.INSPECTION_RESULTS order)
    result = np.where(gone, 3, np.where(found >= 0, np.where(rng.random(n) < 0.7, 2, 1), 0))
    frame["result"], frame["found"] = result, found
    frame["inspector_a"], frame["inspector_b"] = roster.assign(rng, frame["department"])
    u = rng.random(n)
    delays = np.select(
        [u < 0.90, u < 0.96, u < 0.99],
        [rng.integers(1, 16, n), rng.integers(16, 21, n), rng.integers(21, 41, n)],
        0,
    )
    frame["published"] = published_days(timeline, frame["day"], delays)
    return frame
