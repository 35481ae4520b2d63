"""What a credit office sees at a glance, read from the published snapshots: grades by department
and region, how grades moved between two snapshots, the score's drift (PSI), a subject's grade
history, and finding a subject by code or name.

Everything here reads snapshots only (no store, no model), so the workbench's pages cost a few
Arrow operations on data already in memory; the per-snapshot aggregates are cached by snapshot id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.policies import GRADES
from credit_scoring.policies.sampling import SamplingPolicy
from credit_scoring.snapshots.publish import published_snapshots, read_manifest
from credit_scoring.snapshots.serving import Snapshot, plain, read_part, read_subject_row
from credit_scoring.supervision.frame import supervising_departments

__all__ = [
    "GradeHistory",
    "Movement",
    "grade_distribution",
    "grade_history",
    "grade_movement",
    "population_stability",
    "search_subjects",
]

OUTSIDE = "（未纳入部门）"  # a subject no department of the sampling policy supervises


_DISTRIBUTIONS: dict[tuple[str, str], pd.DataFrame] = {}  # (snapshot id, policy version)


def grade_distribution(snapshot: Snapshot, policy: SamplingPolicy) -> pd.DataFrame:
    """Subjects per department, region and grade (columns A–D), with their total; computed
    once per snapshot and sampling policy version."""
    key = (snapshot.snapshot_id, policy.version)
    if key not in _DISTRIBUTIONS:
        _DISTRIBUTIONS.clear()  # only the served snapshot's is ever asked for again
        _DISTRIBUTIONS[key] = _distribution(snapshot, policy)
    return _DISTRIBUTIONS[key].copy()


def _distribution(snapshot: Snapshot, policy: SamplingPolicy) -> pd.DataFrame:
    subjects = plain(snapshot.tables["subjects"].select(["region_code", "domains"])).to_pandas()
    subjects["primary_domain"] = subjects["domains"].fillna("").str.split(";").str[0]
    frame = pd.DataFrame({
        "department": supervising_departments(subjects, policy).fillna(OUTSIDE).to_numpy(),
        "region_code": subjects["region_code"].to_numpy(),
        "grade": plain(snapshot.tables["grades"].select(["grade"])).column("grade").to_numpy(
            zero_copy_only=False
        ),
    })  # fmt: skip
    table = pd.crosstab([frame["department"], frame["region_code"]], frame["grade"])
    table = table.reindex(columns=list(GRADES), fill_value=0)
    table["total"] = table.sum(axis=1)
    return table.reset_index()


@dataclass(frozen=True)
class Movement:
    """Grades of the same subjects in two snapshots: counts from (rows) → to (columns)."""

    before: str  # snapshot ids
    after: str
    matrix: pd.DataFrame
    score_psi: float

    @property
    def moved(self) -> int:
        values = self.matrix.to_numpy()
        return int(values.sum() - np.trace(values))


def grade_movement(root: Path) -> Movement | None:
    """How grades moved between the last two published snapshots under ``root`` (None with
    fewer than two)."""
    manifests = sorted(published_snapshots(root), key=lambda m: (m.as_of, m.created_at))
    if len(manifests) < 2:
        return None
    return _movement(root, manifests[-2].snapshot_id, manifests[-1].snapshot_id)


@functools.lru_cache(maxsize=4)
def _movement(root: Path, before: str, after: str) -> Movement:
    old, new = (_grades(root / s, ["uscc", "grade", "score"]) for s in (before, after))
    both = old.merge(new, on="uscc", suffixes=("_before", "_after"))
    matrix = pd.crosstab(both["grade_before"], both["grade_after"])
    matrix = matrix.reindex(index=list(GRADES), columns=list(GRADES), fill_value=0)
    psi = population_stability(old["score"].to_numpy(float), new["score"].to_numpy(float))
    return Movement(before, after, matrix, psi)


def _grades(directory: Path, columns: list[str]) -> pd.DataFrame:
    manifest = read_manifest(directory)
    parts = [read_part(directory, part, manifest.format_version, verify=False).select(columns)
             for part in manifest.tables["grades"].parts]  # fmt: skip
    return plain(pa.concat_tables(parts)).to_pandas()


def population_stability(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """PSI of ``actual`` against ``expected`` over ``expected``'s deciles (0.1: watch; 0.25:
    act, by the usual reading). Empty bins get half a count, so the sum stays finite."""
    expected, actual = expected[~np.isnan(expected)], actual[~np.isnan(actual)]
    if not len(expected) or not len(actual):
        return float("nan")
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.maximum(np.histogram(expected, edges)[0], 0.5) / len(expected)
    a = np.maximum(np.histogram(actual, edges)[0], 0.5) / len(actual)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass(frozen=True)
class GradeHistory:
    snapshot_id: str
    as_of: str
    grade: str
    score: float
    source: str
    model_version: str


def grade_history(root: Path, uscc: str) -> list[GradeHistory]:
    """The subject's grade in every published snapshot, oldest first (read from the part of its
    shard alone, or by row-group statistics in a format-1 snapshot: grades are sorted by USCC)."""
    history = []
    columns = ["grade", "score", "source", "model_version"]
    for manifest in sorted(published_snapshots(root), key=lambda m: (m.as_of, m.created_at)):
        row = read_subject_row(root / manifest.snapshot_id, manifest, "grades", uscc, columns)
        if row is not None:
            history.append(GradeHistory(manifest.snapshot_id, str(manifest.as_of), **row))
    return history


def search_subjects(snapshot: Snapshot, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """Subjects whose USCC starts with ``query`` (upper-cased) or whose name does, USCC order,
    at most ``limit``; each with its grade."""
    query = query.strip()
    if not query:
        return []
    subjects = snapshot.tables["subjects"]
    by_code = pc.starts_with(subjects.column("uscc"), query.upper())
    by_name = pc.starts_with(subjects.column("name"), query)
    rows = pc.indices_nonzero(pc.or_kleene(by_code, pc.fill_null(by_name, False)))
    rows = rows.slice(0, limit)
    found = subjects.take(rows).select(["uscc", "name", "subject_type", "region_code"])
    grades = snapshot.tables["grades"].take(rows).select(["grade", "score"])
    return pa.Table.from_arrays(
        [*found.columns, *grades.columns], names=[*found.column_names, *grades.column_names]
    ).to_pylist()
