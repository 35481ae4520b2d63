"""Drift between two dates: the PSI of the score and of every feature, and how grades moved.

A model is trained on the past; between two grading dates the population it grades drifts. The
population stability index (PSI) of each feature and of the score says where — 0.1 is worth
watching and 0.25 worth acting on, by the usual reading — and the grade migration matrix says
what it did to the grades of the subjects graded on both dates. Features are computed
point-in-time by the grader on each date, so the comparison is what was known then.

Examples
--------
>>> with Store("data/demo/credit.duckdb", read_only=True) as store:  # doctest: +SKIP
...     drift = drift_between(store, Grader.load(store), before=dt.date(2026, 3, 31),
...                           after=dt.date(2026, 9, 30))
>>> drift.stability.head()  # doctest: +SKIP
>>> drift.migration  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from credit_scoring.overview import population_stability
from credit_scoring.policies import GRADES

if TYPE_CHECKING:
    from credit_scoring.grading import Grader
    from credit_scoring.records.store import Store

__all__ = ["Drift", "drift_between", "grade_migration", "stability_table"]

SCORE_COLUMNS = ("score", "pd")  # of the grade records: points and probability
_MISSING = "(missing)"


@dataclass(frozen=True)
class Drift:
    """Features and grades on two dates, the PSI table and the grade migration matrix."""

    before: dt.date
    after: dt.date
    features_before: pd.DataFrame
    features_after: pd.DataFrame
    grades_before: pd.DataFrame
    grades_after: pd.DataFrame
    stability: pd.DataFrame  # stability_table: the score, then every feature, largest PSI first
    migration: pd.DataFrame  # grade_migration: subjects graded on both dates

    @property
    def moved(self) -> float:
        """The share of subjects graded on both dates whose grade changed."""
        values = self.migration.to_numpy()
        total = values.sum()
        return float((total - np.trace(values)) / total) if total else float("nan")


def drift_between(store: Store, grader: Grader, *, before: dt.date, after: dt.date) -> Drift:
    """Grade every subject on both dates with ``grader`` and compare (see :class:`Drift`)."""
    if not before < after:
        raise ValueError(f"before ({before}) must come before after ({after})")
    features = {day: grader.features(store, as_of=day) for day in (before, after)}
    grades = {day: grader.grade(frame) for day, frame in features.items()}
    names = [f.name for f in grader.catalog if f.name in features[before]]
    scores = stability_table(grades[before], grades[after], list(SCORE_COLUMNS))
    table = stability_table(features[before], features[after], names)
    return Drift(
        before, after, features[before], features[after], grades[before], grades[after],
        pd.concat([scores, table.sort_values("psi", ascending=False)]),
        grade_migration(grades[before], grades[after]),
    )  # fmt: skip


def stability_table(before: pd.DataFrame, after: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """PSI of each column of ``after`` against ``before``, one row per column.

    A column with few distinct values (counts, flags, categories, the domain) is compared value
    by value, missing values as one more value; any other over the deciles of ``before``, its
    missing values apart (``missing_before``, ``missing_after``). ``before`` and ``after`` are
    the column's mean, or for a category its most common value's share.
    """
    rows = {name: _column_stability(before[name], after[name]) for name in columns}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "column"
    return table


def grade_migration(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Subjects by grade before (rows) and after (columns), A–D, for those graded on both."""
    both = before[["uscc", "grade"]].merge(after[["uscc", "grade"]], on="uscc")
    matrix = pd.crosstab(both["grade_x"], both["grade_y"])
    matrix = matrix.reindex(index=list(GRADES), columns=list(GRADES), fill_value=0)
    matrix.index.name, matrix.columns.name = "before", "after"
    return matrix


def _column_stability(before: pd.Series, after: pd.Series, bins: int = 10) -> dict[str, object]:
    numeric = pd.api.types.is_numeric_dtype(before) and pd.api.types.is_numeric_dtype(after)
    distinct = pd.concat([before, after]).dropna().nunique()
    if numeric and distinct > bins:
        x, y = before.to_numpy(float), after.to_numpy(float)
        psi = population_stability(x, y, bins)
        return {"kind": "deciles", "psi": psi, "before": np.nanmean(x), "after": np.nanmean(y),
                "missing_before": float(np.isnan(x).mean()),
                "missing_after": float(np.isnan(y).mean())}  # fmt: skip
    shares = pd.DataFrame({
        "before": _as_values(before).value_counts(normalize=True),
        "after": _as_values(after).value_counts(normalize=True),
    }).fillna(0.0)  # fmt: skip
    # Half a subject for a value one date lacks, as population_stability does: the sum stays
    # finite and a value that appears from nothing still counts.
    e = np.maximum(shares["before"], 0.5 / len(before))
    a = np.maximum(shares["after"], 0.5 / len(after))
    psi = float(np.sum((a - e) * np.log(a / e)))
    summary: dict[str, object]
    if numeric:
        summary = {"before": before.mean(), "after": after.mean()}
    else:
        top = shares["before"].idxmax()
        summary = {"before": shares.at[top, "before"], "after": shares.at[top, "after"]}
    return {"kind": "values", "psi": psi, **summary,
            "missing_before": float(before.isna().mean()),
            "missing_after": float(after.isna().mean())}  # fmt: skip


def _as_values(column: pd.Series) -> pd.Series:
    """The column as text, missing values as one more value."""
    return column.astype(object).where(column.notna(), _MISSING).astype(str)
