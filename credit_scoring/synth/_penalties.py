"""Penalties (行政处罚): which violations end in a decision, and what the decision says.

A violation becomes a penalty on the earlier of a patrol catching it and an inspection finding
it (half of those found end in a decision). Severity comes with the violation; the penalty types,
fine and confiscation follow from it. About 1% of penalties are erroneous: recorded against a
random subject with no violation behind them, and later corrected or revoked (``_admin``).
"""

from __future__ import annotations

import numpy as np

from credit_scoring.synth import _vocab as v
from credit_scoring.synth._common import (
    Frame,
    Timeline,
    concat_frames,
    publication_delays,
    published_days,
    sort_frame,
    stream,
    uniform_days,
)
from credit_scoring.synth._enforcement import decision_days, procedure_lag
from credit_scoring.synth._latent import Violations
from credit_scoring.synth._subjects import Subjects

_INSPECTION_PENALTY = 0.5  # violations found on inspection that end in a penalty
_ERRONEOUS = 0.01  # penalties recorded against the wrong subject (later corrected or revoked)
_SEVERITY_SHARES = np.array([0.40, 0.53, 0.07])
_MINOR_UNPUBLISHED = 0.7  # minor penalties are in principle not published
# Penalty types of one decision (English codes, code-list order), its severity and weight.
_COMBOS = (
    ("warning", 0, 0.75),
    ("criticism", 0, 0.25),
    ("fine", 1, 0.60),
    ("warning;fine", 1, 0.20),
    ("fine;confiscation", 1, 0.15),
    ("fine;licence_suspension", 1, 0.05),
    ("fine;licence_revocation", 2, 0.30),
    ("fine;suspension", 2, 0.25),
    ("fine;business_restriction", 2, 0.15),
    ("closure", 2, 0.10),
    ("fine;confiscation;suspension", 2, 0.10),
    ("licence_revocation", 2, 0.10),
)
COMBO_CODES = tuple(combo for combo, _, _ in _COMBOS)


def penalty_frame(
    seed: int,
    subjects: Subjects,
    violations: Violations,
    patrol_days: np.ndarray,
    inspections: Frame,
    timeline: Timeline,
) -> Frame:
    """Penalties: the earliest of patrol and inspection per violation, plus erroneous ones."""
    rng = stream(seed, "penalties")
    decided = patrol_days.copy()
    hit = (inspections["result"] == 2) & (rng.random(len(inspections["day"])) < _INSPECTION_PENALTY)
    found = inspections["found"][hit]
    lag = procedure_lag(rng, violations.severity[found])
    after_inspection = decision_days(timeline, inspections["day"][hit] + lag)
    np.minimum.at(decided, found, after_inspection)
    last = subjects.last_active(timeline)[violations.subject]
    keep = decided <= last
    genuine = {
        "subject": violations.subject[keep],
        "day": decided[keep],
        "severity": violations.severity[keep].astype(np.int64),
        "vtype": violations.vtype[keep],
        "domain": violations.domain[keep],
        "erroneous": np.zeros(int(keep.sum()), dtype=bool),
    }
    frame = concat_frames(
        genuine, _erroneous_penalties(rng, subjects, len(genuine["day"]), timeline)
    )
    return _penalty_details(rng, subjects, frame, timeline)


def _erroneous_penalties(
    rng: np.random.Generator, subjects: Subjects, n_genuine: int, timeline: Timeline
) -> Frame:
    """Penalties recorded against the wrong subject: random subjects, no violation behind them."""
    subject = rng.integers(0, subjects.n, size=round(_ERRONEOUS * n_genuine))
    first, last = subjects.first_active(timeline)[subject], subjects.last_active(timeline)[subject]
    day = decision_days(timeline, uniform_days(rng, first, last))
    keep = day <= last
    subject, day = subject[keep], day[keep]
    domain = subjects.domain[subject].astype(np.int64)
    return {
        "subject": subject,
        "day": day,
        "severity": rng.choice(3, size=len(subject), p=_SEVERITY_SHARES),
        "vtype": domain * v.VIOLATION_TYPES_PER_DOMAIN + rng.integers(0, 2, size=len(subject)),
        "domain": domain,
        "erroneous": np.ones(len(subject), dtype=bool),
    }


def _penalty_details(
    rng: np.random.Generator, subjects: Subjects, frame: Frame, timeline: Timeline
) -> Frame:
    """Penalty types by severity, fines (yuan), confiscations, department and publication."""
    n = len(frame["day"])
    severity = frame["severity"]
    combo = np.zeros(n, dtype=np.int64)
    for level in range(3):
        options = [i for i, (_, s, _) in enumerate(_COMBOS) if s == level]
        weights = np.array([_COMBOS[i][2] for i in options])
        rows = severity == level
        combo[rows] = rng.choice(options, size=int(rows.sum()), p=weights / weights.sum())
    has_fine = np.array(["fine" in c.split(";") for c in COMBO_CODES])[combo]
    has_confiscation = np.array(["confiscation" in c.split(";") for c in COMBO_CODES])[combo]
    # Organisations are fined more than individual businesses for the same act.
    scale = np.where(subjects.type_idx[frame["subject"]] == 1, 1.0, 3.0)
    general = np.clip(np.round(rng.lognormal(np.log(1500), 0.8, n) * scale / 50) * 50, 50, 1e5)
    serious = np.clip(np.round(rng.lognormal(np.log(3e4), 0.9, n) * scale / 100) * 100, 5e3, 2e6)
    frame["combo"] = combo
    frame["fine"] = np.where(has_fine, np.where(severity == 2, serious, general), np.nan)
    confiscated = np.round(rng.lognormal(np.log(3000), 1.0, n), 2)
    frame["confiscated"] = np.where(has_confiscation, confiscated, np.nan)
    bureau = np.asarray(v.DOMAIN_BUREAU)[frame["domain"]]
    frame["department"] = subjects.region_idx[frame["subject"]].astype(np.int64) * 3 + bureau
    delays = publication_delays(rng, n)
    delays[(severity == 0) & (rng.random(n) < _MINOR_UNPUBLISHED)] = 0
    frame["published"] = published_days(timeline, frame["day"], delays)
    return sort_frame(frame, "day")
