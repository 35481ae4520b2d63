"""Grades at the period's end and the movements between grades over the period.

Subjects are graded twice with the same grader: on the day before the period's first day (the
opening grades, in force as the period began) and on its last day (the closing grades). A
subject with no opening grade (registered during the period) moves from :data:`NEW`.
"""

from __future__ import annotations

import pandas as pd

from credit_scoring.policies import GRADES
from credit_scoring.statistics._units import rate, tabulate

__all__ = ["FROM_GRADES", "NEW", "grade_distribution", "grade_migrations", "movements"]

NEW = "未评级"  # no grade at the opening: the subject came in during the period
FROM_GRADES = (*GRADES, NEW)
_RANK = {grade: rank for rank, grade in enumerate(GRADES)}  # A best


def movements(opening: pd.DataFrame, closing: pd.DataFrame) -> pd.DataFrame:
    """One row per subject graded at the close: ``uscc``, ``from_grade`` (:data:`NEW` when it
    had no opening grade) and ``to_grade``."""
    moved = closing[["uscc", "grade"]].rename(columns={"grade": "to_grade"})
    moved = moved.merge(
        opening[["uscc", "grade"]].rename(columns={"grade": "from_grade"}), on="uscc", how="left"
    )
    moved["from_grade"] = moved["from_grade"].fillna(NEW)
    return moved[moved["to_grade"].isin(GRADES)]


def grade_distribution(units: pd.DataFrame, moved: pd.DataFrame) -> pd.DataFrame:
    """Per unit: subjects graded at the close, how many in each grade and their shares, and how
    many moved to a better (``upgraded``) or a worse grade (``downgraded``) than at the opening.
    """
    before = moved["from_grade"].map(_RANK)  # NaN for new subjects: neither up nor down
    after = moved["to_grade"].map(_RANK)
    events = pd.get_dummies(moved["to_grade"]).reindex(columns=list(GRADES), fill_value=False)
    events = events.assign(uscc=moved["uscc"], upgraded=after < before, downgraded=after > before)
    table = tabulate(units, events, [*GRADES, "upgraded", "downgraded"])
    table.insert(2, "subjects", table[list(GRADES)].sum(axis=1))
    for grade in GRADES:
        table[f"{grade}_share"] = rate(table[grade], table["subjects"])
    return table


def grade_migrations(units: pd.DataFrame, moved: pd.DataFrame) -> pd.DataFrame:
    """The migration matrix per unit: one row per opening grade (``from_grade``), one column per
    closing grade (A–D) with the number of subjects that moved so, and the row's ``total``."""
    events = pd.get_dummies(moved["to_grade"]).reindex(columns=list(GRADES), fill_value=False)
    events = events.assign(uscc=moved["uscc"], from_grade=moved["from_grade"])
    table = tabulate(units, events, list(GRADES), by="from_grade", levels=FROM_GRADES)
    table["total"] = table[list(GRADES)].sum(axis=1)
    return table
