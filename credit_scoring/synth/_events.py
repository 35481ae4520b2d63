"""Lifecycle events of penalties (record_events): objections, corrections, revocations, repair.

* Every erroneous penalty draws an objection that is upheld, then the record is corrected or
  revoked within 3 working days (the withdrawal rule).
* About 1.5% of genuine penalties draw an objection that is rejected.
* About 15% of general penalties are repaired: the subject signs a repair commitment at
  least 3 months (the minimum publicity period) after the decision, and the repair is approved
  within 10 working days.

Events after ``end`` are not written, so a chain may stop half-way (an objection still open).
"""

from __future__ import annotations

import numpy as np

from credit_scoring.records import codes
from credit_scoring.synth._common import NO_DAY, Frame, Timeline, concat_frames, stream

_REJECTED_OBJECTION = 0.015
_REPAIRED = 0.15
_MIN_PUBLICITY_DAYS = 91
_EVENT = {code: i for i, code in enumerate(codes.EVENT_TYPES.codes)}
NOTES = {
    "objection_filed": "当事人对记录提出异议",
    "objection_upheld": "经核查异议成立，原记录主体信息有误",
    "objection_rejected": "经核查异议不成立，维持原记录",
    "corrected": "已更正记录",
    "revoked": "已撤销记录",
    "repair_approved": "当事人已履行处罚义务并作出信用承诺，准予信用修复",
    "publicity_ended": "公示期满",
}


def penalty_events(
    seed: int, penalties: Frame, last_active: np.ndarray, timeline: Timeline
) -> tuple[Frame, Frame]:
    """Events on penalties (``record`` is the penalty's row) and the repair applications.

    ``last_active`` is each subject's last day on the register: no repair after it.
    """
    rng = stream(seed, "events")
    n = len(penalties["day"])
    known = np.minimum(penalties["day"], timeline.end_day)
    # Objections come after the record is public (or after the decision if it never is).
    seen = np.where(penalties["published"] < NO_DAY, penalties["published"], known)
    erroneous = np.flatnonzero(penalties["erroneous"])
    genuine = ~penalties["erroneous"]
    rejected = np.flatnonzero(genuine & (rng.random(n) < _REJECTED_OBJECTION))
    parts = [
        *_objection_chain(rng, erroneous, seen, timeline, upheld=True),
        *_objection_chain(rng, rejected, seen, timeline, upheld=False),
    ]
    objected = np.zeros(n, dtype=bool)
    objected[rejected] = True
    repairable = genuine & ~objected & (penalties["severity"] == 1)
    repaired = np.flatnonzero(repairable & (rng.random(n) < _REPAIRED))
    applied = penalties["day"][repaired] + _MIN_PUBLICITY_DAYS + rng.integers(0, 271, len(repaired))
    last = last_active[penalties["subject"][repaired]]
    repaired, applied, last = (
        repaired[applied <= last],
        applied[applied <= last],
        last[applied <= last],
    )
    applied = timeline.snap(applied)  # the working day the application is signed and received
    repaired, applied = repaired[applied <= last], applied[applied <= last]
    approved = timeline.add_workdays(applied, rng.integers(1, 11, len(applied)))
    parts.append(_events(repaired, approved, "repair_approved"))
    events = concat_frames(*parts)
    inside = events["day"] <= timeline.end_day
    events = {name: column[inside] for name, column in events.items()}
    repairs = {"subject": penalties["subject"][repaired], "day": applied}
    return events, repairs


def _objection_chain(
    rng: np.random.Generator,
    rows: np.ndarray,
    seen: np.ndarray,
    timeline: Timeline,
    *,
    upheld: bool,
) -> list[Frame]:
    """Filed 2-30 working days after publication, decided within 5; upheld ones then change."""
    k = len(rows)
    filed = timeline.add_workdays(seen[rows], rng.integers(2, 31, k))
    decided = timeline.add_workdays(filed, rng.integers(1, 6, k))
    chain = [
        _events(rows, filed, "objection_filed"),
        _events(rows, decided, "objection_upheld" if upheld else "objection_rejected"),
    ]
    if upheld:
        changed = timeline.add_workdays(decided, rng.integers(1, 4, k))
        revoked = rng.random(k) < 0.5
        chain.append(_events(rows[revoked], changed[revoked], "revoked"))
        chain.append(_events(rows[~revoked], changed[~revoked], "corrected"))
    return chain


def _events(rows: np.ndarray, days: np.ndarray, event_type: str) -> Frame:
    return {
        "record": rows,
        "day": days,
        "event_type": np.full(len(rows), _EVENT[event_type]),
    }
