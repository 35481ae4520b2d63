"""Inspectors (执法人员): a roster per department, random pairs per inspection, and conflicts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.synth import _vocab as v
from credit_scoring.synth._common import stream
from credit_scoring.synth._ids import ascii_strings, join_text, take_text
from credit_scoring.synth._subjects import Subjects, person_names

_SUBJECTS_PER_INSPECTOR = 400
_ACTIVE = 0.93
_WITH_CONFLICTS = 0.3


@dataclass
class Roster:
    """Inspectors sorted by department; ``active_by_dept`` lists the active ones per department."""

    department: np.ndarray
    active: np.ndarray
    ids: list[str]
    active_sorted: np.ndarray  # indices of active inspectors, grouped by department
    offsets: np.ndarray  # start of each department's group in ``active_sorted``
    counts: np.ndarray  # active inspectors per department (at least two)

    def assign(
        self, rng: np.random.Generator, department: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Two distinct active inspectors of the department for each inspection, uniformly."""
        count = self.counts[department]
        first = np.floor(rng.random(len(department)) * count).astype(np.int64)
        step = 1 + np.floor(rng.random(len(department)) * (count - 1)).astype(np.int64)
        second = (first + step) % count
        base = self.offsets[department]
        return self.active_sorted[base + first], self.active_sorted[base + second]

    def pair_text(self, first: np.ndarray, second: np.ndarray) -> pa.Array:
        names = pa.array(self.ids)
        return join_text(names.take(pa.array(first)), ";", names.take(pa.array(second)))


def draw_roster(seed: int, subjects: Subjects) -> Roster:
    """About one inspector per 400 subjects, at least two active ones in every department."""
    rng = stream(seed, "inspectors")
    n_departments = len(v.DISTRICT_CODES) * len(v.BUREAUS)
    load = np.bincount(subjects.department, minlength=n_departments)
    per_department = np.maximum(2, np.round(load / _SUBJECTS_PER_INSPECTOR).astype(np.int64))
    department = np.repeat(np.arange(n_departments), per_department)
    active = rng.random(len(department)) < _ACTIVE
    first_two = np.r_[0, np.cumsum(per_department)[:-1]]
    active[first_two] = active[first_two + 1] = True
    region = department // len(v.BUREAUS)
    ids = [
        f"ZF{v.DISTRICT_CODES[r]}{k:04d}"
        for r in range(len(v.DISTRICT_CODES))
        for k in range(1, int((region == r).sum()) + 1)
    ]
    active_sorted = np.flatnonzero(active)  # department is already sorted
    counts = np.bincount(department[active_sorted], minlength=n_departments)
    offsets = np.cumsum(counts) - counts
    return Roster(department, active, ids, active_sorted, offsets, counts)


def inspectors_table(
    seed: int, roster: Roster, subjects: Subjects, inspected: np.ndarray, excluded: np.ndarray
) -> pa.Table:
    """The ``inspectors`` table; conflicts are subjects of the district the inspector never saw.

    ``inspected`` holds ``inspector * n_subjects + subject`` for every past assignment, so the
    recorded history never breaks the recusal rule; ``excluded`` subjects are never conflicts.
    """
    rng = stream(seed, "inspectors.table")
    k = len(roster.department)
    by_region = np.argsort(subjects.region_idx, kind="stable")
    region_counts = np.bincount(subjects.region_idx, minlength=len(v.DISTRICT_CODES))
    n_conflicts = np.where(rng.random(k) < _WITH_CONFLICTS, rng.integers(1, 4, size=k), 0)
    n_conflicts[region_counts[roster.department // len(v.BUREAUS)] == 0] = 0  # tiny cities
    owner = np.repeat(np.arange(k), n_conflicts)
    region = roster.department[owner] // len(v.BUREAUS)
    region_offsets = np.cumsum(region_counts) - region_counts
    pick = np.floor(rng.random(len(owner)) * region_counts[region]).astype(np.int64)
    subject = by_region[region_offsets[region] + pick]
    keep = ~np.isin(owner * subjects.n + subject, inspected) & ~np.isin(subject, excluded)
    keep &= _first_of_pairs(owner, subject)
    owner, subject = owner[keep], subject[keep]
    per_owner = np.bincount(owner, minlength=k)
    offsets = np.r_[0, np.cumsum(per_owner)].astype(np.int32)
    codes_list = pa.ListArray.from_arrays(pa.array(offsets), ascii_strings(subjects.uscc[subject]))
    conflicts = pc.if_else(pa.array(per_owner > 0), pc.binary_join(codes_list, ";"), None)
    departments = v.department_names()
    return pa.table(
        {
            "inspector_id": pa.array(roster.ids),
            "name": person_names(rng, k),
            "department": take_text(departments, roster.department),
            "region": take_text(v.DISTRICT_CODES, roster.department // len(v.BUREAUS)),
            "conflicts": conflicts,
            "active": pa.array(roster.active),
        }
    )


def _first_of_pairs(owner: np.ndarray, subject: np.ndarray) -> np.ndarray:
    """False for repeats of an (owner, subject) pair, so no code is listed twice."""
    key = owner.astype(np.int64) * (1 << 32) + subject
    first = np.zeros(len(key), dtype=bool)
    first[np.unique(key, return_index=True)[1]] = True
    return first
