"""The hidden state of the city: latent risk per subject and quarter, and the true violations.

Nothing here is written to a record file; the channels in ``_enforcement`` and ``_admin`` look
at violations (and the severity drawn with each), never at the risk itself. The truth file
written from :func:`truth_table` is for measuring models and plans, not for ingestion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from credit_scoring.synth import _vocab as v
from credit_scoring.synth._common import (
    QUARTER_DAYS,
    Timeline,
    date_array,
    stream,
    uniform_days,
    within_group,
    years_of,
)
from credit_scoring.synth._subjects import Subjects

_BASE = -2.35  # log violations per quarter of a typical subject
_TYPE_EFFECT = np.array([-0.10, 0.0, -0.80, -1.00])  # enterprise, individual, social, public
_DOMAIN_EFFECT = np.array([0.3, 0.3, 0.4, 0.5, 0.0, 0.2, -0.2, -0.4, -0.5, 0.0, 0.2])
_SUBJECT_SD = 0.85  # spread of subjects' long-run means
_PHI, _INNOVATION_SD = 0.8, 0.35  # AR(1) of the deviation from the long-run mean
_SHOCK_RATE, _SHOCK_MEAN, _SHOCK_SD = 0.03, 1.2, 0.3  # occasional jumps that then decay
_SEASON = np.array([-0.10, 0.0, 0.10, 0.0])  # by quarter of the year: summer peaks
_SEVERITY_SHARES = (0.40, 0.53)  # minor, general; the remaining 7% are serious
_SEVERITY_RISK_WEIGHT = 0.7
_MEAN_DURATION, _MAX_DURATION = 40.0, 180


@dataclass
class Violations:
    """True violations, one row each, sorted by (subject, day)."""

    subject: np.ndarray
    day: np.ndarray
    duration: np.ndarray  # days the violation goes on if nobody intervenes
    severity: np.ndarray  # 0 minor, 1 general, 2 serious
    vtype: np.ndarray  # into the flattened _vocab.VIOLATION_TYPES
    domain: np.ndarray

    origin: int  # day numbers are offset from here inside the search keys
    keys: np.ndarray  # subject * 2**20 + (day - origin): sorted, for range searches

    def __len__(self) -> int:
        return len(self.subject)

    def key(self, subject: np.ndarray, day: np.ndarray) -> np.ndarray:
        return subject.astype(np.int64) * (1 << 20) + (day - self.origin)

    def count_between(self, subject: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Violations of each subject starting in ``[low, high]``."""
        hi = np.searchsorted(self.keys, self.key(subject, high), "right")
        return hi - np.searchsorted(self.keys, self.key(subject, low), "left")

    def ongoing(self, subject: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Index of a violation of the subject going on at ``day`` (the earliest), or -1.

        Violations last at most ``_MAX_DURATION`` days, so only those that started in the
        preceding window can still be going on: the search stays vectorised and small.
        """
        lo = np.searchsorted(self.keys, self.key(subject, day - _MAX_DURATION), "left")
        hi = np.searchsorted(self.keys, self.key(subject, day), "right")
        counts = hi - lo
        probe = np.repeat(np.arange(len(subject)), counts)
        candidate = np.repeat(lo, counts) + within_group(counts)
        going = self.day[candidate] + self.duration[candidate] > day[probe]
        found = np.full(len(subject), len(self.subject), dtype=np.int64)
        np.minimum.at(found, probe[going], candidate[going])
        return np.where(found == len(self.subject), -1, found)


def simulate_risk(
    seed: int, subjects: Subjects, timeline: Timeline
) -> tuple[np.ndarray, np.ndarray]:
    """Log-intensity (n, Q) float32, NaN outside a subject's active life, and its exposures.

    ``x[i, q] = mu_i + a[i, q] + season(q)``, with ``mu_i`` from type, domain and a subject
    effect, and ``a`` an AR(1) with rare positive shocks.
    """
    rng = stream(seed, "latent")
    n, q_count = subjects.n, timeline.n_quarters
    mu = (
        _BASE
        + _TYPE_EFFECT[subjects.type_idx]
        + _DOMAIN_EFFECT[subjects.domain]
        + _SUBJECT_SD * rng.standard_normal(n)
    )
    deviation = rng.standard_normal(n) * _INNOVATION_SD / np.sqrt(1 - _PHI**2)
    first, last = subjects.first_active(timeline), subjects.last_active(timeline)
    x = np.empty((n, q_count), dtype=np.float32)
    exposure = np.empty((n, q_count), dtype=np.float32)
    quarters = (
        timeline.quarter_start.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    ) // 3
    for q in range(q_count):
        if q:
            shocks = rng.random(n) < _SHOCK_RATE
            jump = np.where(shocks, rng.normal(_SHOCK_MEAN, _SHOCK_SD, n), 0.0)
            deviation = _PHI * deviation + _INNOVATION_SD * rng.standard_normal(n) + jump
        days = (
            np.minimum(last, timeline.quarter_end[q])
            - np.maximum(first, timeline.quarter_start[q])
            + 1
        )
        exposure[:, q] = np.maximum(days, 0) / QUARTER_DAYS
        x[:, q] = np.where(days > 0, mu + deviation + _SEASON[quarters[q]], np.nan)
    return x, exposure


def draw_violations(
    seed: int, subjects: Subjects, x: np.ndarray, exposure: np.ndarray, timeline: Timeline
) -> Violations:
    """Poisson counts per subject-quarter, each violation with a day, duration and severity."""
    rng = stream(seed, "violations")
    counts = np.zeros(x.shape, dtype=np.int16)
    for q in range(x.shape[1]):
        rate = np.exp(np.nan_to_num(x[:, q], nan=-50.0)) * exposure[:, q]
        counts[:, q] = rng.poisson(rate)
    subject, quarter = np.nonzero(counts)
    repeat = counts[subject, quarter].astype(np.int64)
    subject, quarter = np.repeat(subject, repeat), np.repeat(quarter, repeat)
    low = np.maximum(subjects.first_active(timeline)[subject], timeline.quarter_start[quarter])
    high = np.minimum(subjects.last_active(timeline)[subject], timeline.quarter_end[quarter])
    day = uniform_days(rng, low, high)
    m = len(subject)
    duration = np.minimum(1 + rng.exponential(_MEAN_DURATION, m), _MAX_DURATION).astype(np.int64)
    severity = _severities(rng, x[subject, quarter])
    second = subjects.domain2[subject]
    use_second = (second >= 0) & (rng.random(m) < 0.3)
    domain = np.where(use_second, second, subjects.domain[subject]).astype(np.int64)
    vtype = domain * v.VIOLATION_TYPES_PER_DOMAIN + rng.integers(0, v.VIOLATION_TYPES_PER_DOMAIN, m)
    order = np.lexsort((day, subject))
    subject, day = subject[order].astype(np.int64), day[order]
    # Searches may reach back a year or two before the window; 2**20 days is ample room.
    origin = timeline.start_day - 1000
    keys = subject * (1 << 20) + (day - origin)
    return Violations(
        subject, day, duration[order], severity[order], vtype[order], domain[order], origin, keys
    )


def _severities(rng: np.random.Generator, risk: np.ndarray) -> np.ndarray:
    """Gravity rises with the subject's current risk; thresholds fix the overall shares."""
    gravity = _SEVERITY_RISK_WEIGHT * risk + rng.standard_normal(len(risk))
    if len(gravity) == 0:
        return np.zeros(0, dtype=np.int8)
    minor_below, serious_above = np.quantile(gravity, [_SEVERITY_SHARES[0], sum(_SEVERITY_SHARES)])
    return np.where(gravity < minor_below, 0, np.where(gravity > serious_above, 2, 1)).astype(
        np.int8
    )


def truth_table(
    uscc: pa.Array, subjects: Subjects, x: np.ndarray, violations: Violations, timeline: Timeline
) -> pa.Table:
    """One row per subject: risk (expected violations per quarter) and true violations per year."""
    columns: dict[str, pa.Array | np.ndarray] = {
        "uscc": uscc,
        "registered_date": date_array(subjects.registered),
        "exit_date": date_array(subjects.exit_day),
    }
    for q, label in enumerate(timeline.labels):
        columns[f"risk_{label}"] = np.exp(x[:, q])  # NaN stays NaN: not active that quarter
    first_year, last_year = timeline.start.year, timeline.end.year
    n_years = last_year - first_year + 1
    year = years_of(violations.day) - first_year
    per_year = np.bincount(violations.subject * n_years + year, minlength=subjects.n * n_years)
    per_year = per_year.reshape(subjects.n, n_years).astype(np.int16)
    for k in range(n_years):
        columns[f"violations_{first_year + k}"] = per_year[:, k]
    return pa.table(columns)
