"""Administrative records: licences (行政许可) and credit commitments (信用承诺).

Licences follow a renewal cycle per domain and say nothing about risk. Commitments are signed at
licensing (告知承诺, approval substitute), voluntarily, in industry campaigns, and when a subject
applies for credit repair; a commitment is breached when a true violation occurs during its term
(with some chance), so breaches rise with latent risk through the violations only.
"""

from __future__ import annotations

import numpy as np

from credit_scoring.synth import _vocab as v
from credit_scoring.synth._common import (
    NO_DAY,
    QUARTER_DAYS,
    Frame,
    Timeline,
    concat_frames,
    publication_delays,
    published_days,
    sort_frame,
    stream,
    uniform_days,
    within_group,
)
from credit_scoring.synth._enforcement import decision_days
from credit_scoring.synth._latent import Violations
from credit_scoring.synth._subjects import Subjects

_APPROVAL_SUBSTITUTE = 0.4  # licences granted on a commitment (告知承诺制)
_VOLUNTARY_PER_QUARTER = 0.008
_INDUSTRY_CAMPAIGNS_PER_YEAR, _INDUSTRY_UPTAKE = 2, 0.025
_BREACH_IF_VIOLATED, _BREACH_OTHERWISE = 0.35, 0.02
# commitment types in codes.COMMITMENT_TYPES order
_APPROVAL, _VOLUNTARY, _INDUSTRY, _REPAIR = range(4)


def licence_frame(seed: int, subjects: Subjects, timeline: Timeline) -> Frame:
    """Licence decisions: a first one after registration (or at a random phase for older
    subjects), then renewals every validity period while the subject is active."""
    rng = stream(seed, "licences")
    n = subjects.n
    domain = subjects.domain.astype(np.int64)
    step = np.round(np.asarray(v.LICENCE_YEARS)[domain] * 365.25).astype(np.int64)
    first_active, last = subjects.first_active(timeline), subjects.last_active(timeline)
    after_registration = subjects.registered + rng.integers(5, 61, size=n)
    phased = timeline.start_day + np.floor(rng.random(n) * step).astype(np.int64)
    first = np.where(subjects.registered >= timeline.start_day, after_registration, phased)
    holds = rng.random(n) < np.asarray(v.LICENCE_HOLDING)[domain]
    count = np.where(holds & (first <= last), (last - first) // step + 1, 0)
    subject = np.repeat(np.arange(n), count)
    k = within_group(count)
    # Renewals are decided up to a month before the previous licence runs out.
    day = first[subject] + k * step[subject] - np.where(k > 0, rng.integers(0, 30, len(k)), 0)
    day = decision_days(timeline, np.maximum(day, first_active[subject]))
    keep = day <= last[subject]
    subject, day = subject[keep], day[keep]
    frame = {
        "subject": subject,
        "day": day,
        "valid_to": day + step[subject] - 1,  # a term date: may lie after ``end``
        "domain": domain[subject],
        "department": subjects.department[subject],
        "published": published_days(timeline, day, publication_delays(rng, len(day))),
    }
    return sort_frame(frame, "day")


def commitment_frame(
    seed: int,
    subjects: Subjects,
    violations: Violations,
    licences: Frame,
    repairs: Frame,
    timeline: Timeline,
) -> Frame:
    """Commitments of the four types with due day, fulfilment and verification day."""
    rng = stream(seed, "commitments")
    at_licensing = rng.random(len(licences["day"])) < _APPROVAL_SUBSTITUTE
    parts = [
        _signed(licences["subject"][at_licensing], licences["day"][at_licensing], _APPROVAL, 182),
        _voluntary(rng, subjects, timeline),
        _industry(rng, subjects, timeline),
        _signed(repairs["subject"], repairs["day"], _REPAIR, 365),
    ]
    frame = concat_frames(*parts)
    frame["domain"] = subjects.domain[frame["subject"]].astype(np.int64)
    return sort_frame(_fulfilment(rng, violations, frame, timeline), "day")


def _signed(subject: np.ndarray, day: np.ndarray, kind: int, term: int) -> Frame:
    return {
        "subject": subject,
        "day": day,
        "kind": np.full(len(subject), kind),
        "due": day + term,
    }


def _voluntary(rng: np.random.Generator, subjects: Subjects, timeline: Timeline) -> Frame:
    first, last = subjects.first_active(timeline), subjects.last_active(timeline)
    quarters = np.maximum(last - first + 1, 0) / QUARTER_DAYS
    keen = np.where(subjects.type_idx == 1, 1.0, 2.0)  # organisations sign more often
    count = rng.poisson(_VOLUNTARY_PER_QUARTER * keen * quarters)
    subject = np.repeat(np.arange(subjects.n), count)
    day = decision_days(timeline, uniform_days(rng, first[subject], last[subject]))
    keep = day <= last[subject]
    return _signed(subject[keep], day[keep], _VOLUNTARY, 365)


def _industry(rng: np.random.Generator, subjects: Subjects, timeline: Timeline) -> Frame:
    """Industry associations run campaigns; a share of the domain's active subjects sign."""
    first, last = subjects.first_active(timeline), subjects.last_active(timeline)
    years = timeline.end.year - timeline.start.year + 1
    parts = []
    for domain in range(v.N_DOMAINS):
        members = np.flatnonzero(subjects.domain == domain)
        n_campaigns = years * _INDUSTRY_CAMPAIGNS_PER_YEAR
        days = uniform_days(
            rng, np.full(n_campaigns, timeline.start_day), np.full(n_campaigns, timeline.end_day)
        )
        for day in timeline.snap(days):
            on = members[(first[members] <= day) & (last[members] >= day)]
            signed = on[rng.random(len(on)) < _INDUSTRY_UPTAKE]
            parts.append(_signed(signed, np.full(len(signed), day), _INDUSTRY, 365))
    return concat_frames(*parts)


def _fulfilment(
    rng: np.random.Generator, violations: Violations, frame: Frame, timeline: Timeline
) -> Frame:
    """Verified some working days after the due day; pending when that is after ``end``."""
    n = len(frame["day"])
    verified = np.full(n, NO_DAY)
    due_passed = frame["due"] < timeline.end_day
    verified[due_passed] = timeline.add_workdays(
        frame["due"][due_passed], rng.integers(1, 21, size=int(due_passed.sum()))
    )
    done = verified <= timeline.end_day
    violated = violations.count_between(frame["subject"], frame["day"], frame["due"]) > 0
    breach_chance = np.where(violated, _BREACH_IF_VIOLATED, _BREACH_OTHERWISE)
    breached = rng.random(n) < breach_chance
    # fulfilled 0, breached 1, pending 2 (codes.FULFILMENTS order)
    frame["fulfilment"] = np.where(done, np.where(breached, 1, 0), 2)
    frame["verified"] = np.where(done, verified, NO_DAY)
    return frame
