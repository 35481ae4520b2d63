"""The units the statistics are reported by: each subject's supervising department and region.

Every figure is attributed to the subject it concerns, under the department that supervises it
by the sampling policy (the first department whose regions and domains hold the subject's
region and primary domain) and its region code, so the rows of every sheet add up to the same
units. Each table comes out with one row per unit, zeros included, and the total first.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from credit_scoring.policies.sampling import SamplingPolicy
from credit_scoring.records.store import Store
from credit_scoring.supervision.frame import supervising_departments

__all__ = ["ALL", "UNASSIGNED", "UNIT", "rate", "subject_units", "tabulate"]

ALL = "全部"  # the total row's department and region
UNASSIGNED = "未归属部门"  # no department of the policy holds the subject's region and domain
UNIT = ["department", "region_code"]


def subject_units(
    store: Store, policy: SamplingPolicy, department: str | None = None
) -> pd.DataFrame:
    """Every subject (``uscc``) with its ``department`` and ``region_code``; only those of
    ``department`` when given (a name the policy does not list is an error)."""
    subjects = store.con.execute(
        "SELECT uscc, region_code, domains[1] AS primary_domain FROM subjects"
    ).df()
    subjects["department"] = supervising_departments(subjects, policy).fillna(UNASSIGNED)
    if department is not None:
        policy.department(department)
        subjects = subjects[subjects["department"] == department]
    return subjects[["uscc", *UNIT]].reset_index(drop=True)


def tabulate(
    units: pd.DataFrame,
    events: pd.DataFrame,
    columns: Sequence[str],
    *,
    by: str | None = None,
    levels: Sequence[str] = (),
) -> pd.DataFrame:
    """Per unit (and per level of ``by``), the sums of ``columns`` over the ``events`` of its
    subjects (matched on ``uscc``; other subjects' events are dropped).

    Every unit of ``units`` is listed, with zeros where nothing happened, sorted; the totals
    over all units come first, under department and region :data:`ALL`.
    """
    keys = [*UNIT, by] if by else UNIT
    joined = events.merge(units, on="uscc", how="inner")
    sums = joined.groupby(keys)[list(columns)].sum()
    index = units[UNIT].drop_duplicates().sort_values(UNIT)
    if by:
        index = index.merge(pd.DataFrame({by: list(levels)}), how="cross")
    sums = sums.reindex(pd.MultiIndex.from_frame(index), fill_value=0).astype("int64")
    if by:
        total = sums.groupby(level=by).sum().reindex(list(levels), fill_value=0).reset_index()
    else:
        total = sums.sum().to_frame().T
    total[UNIT] = ALL
    return pd.concat([total[[*keys, *columns]], sums.reset_index()], ignore_index=True)


def rate(part: pd.Series, whole: pd.Series) -> pd.Series:
    """``part / whole`` rounded to 4 places; empty (NaN) where ``whole`` is 0."""
    return (part / whole.where(whole > 0)).astype("float64").round(4)
