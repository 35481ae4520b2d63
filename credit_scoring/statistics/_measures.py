"""The joint measures that apply at the period's end: how many subjects each would reach.

No record of measures actually applied exists yet, so this counts, per measure of
``models/measures.yaml`` and scenario, the subjects a credit check on the period's last day
would return it for: their records in force and their closing grade.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import pandas as pd

from credit_scoring.grading import GradeInForce
from credit_scoring.measures import credit_check
from credit_scoring.policies import MeasuresPolicy
from credit_scoring.records.store import Store
from credit_scoring.snapshots import in_force, standing_records

__all__ = ["measures_in_force"]


def measures_in_force(
    store: Store,
    closing: pd.DataFrame,
    units: pd.DataFrame,
    day: dt.date,
    policy: MeasuresPolicy,
    scorer: str,
) -> pd.DataFrame:
    """One row per measure and scenario: ``code``, ``kind``, ``text`` (Chinese), ``scenario``
    and its Chinese ``scenario_text``, the ``subjects`` it applies to on ``day`` among those of
    ``units`` graded in ``closing``, and their ``share`` of them. ``scorer`` names who decided
    the grades (a credit check cites it)."""
    graded = closing.merge(units[["uscc"]], on="uscc")
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in standing_records(store, as_of=day).to_pylist():
        if in_force(row, day, public_only=False):
            records[row["uscc"]].append(row)
    counts: Counter[tuple[str, str]] = Counter()
    # A check reads only each record's table and kind, and the grade: subjects alike in those
    # get the same measures, so each combination is checked once.
    found: dict[tuple[str, frozenset[tuple[str, str]]], list[tuple[str, str]]] = {}
    for uscc, grade in zip(graded["uscc"], graded["grade"], strict=True):
        mine = records.get(uscc, [])
        key = (grade, frozenset((r["record_table"], r["kind"]) for r in mine))
        if key not in found:
            found[key] = _applied(policy, mine, day, GradeInForce(grade, day, scorer))
        counts.update(found[key])
    rows = [
        (m.code, m.kind, m.text.zh, scenario, policy.scenarios[scenario].zh,
         counts[(m.code, scenario)])
        for m in policy.measures
        for scenario in m.scenarios
    ]  # fmt: skip
    columns = ["code", "kind", "text", "scenario", "scenario_text", "subjects"]
    table = pd.DataFrame(rows, columns=columns)
    table["share"] = (table["subjects"] / len(graded)).round(4) if len(graded) else float("nan")
    return table


def _applied(
    policy: MeasuresPolicy, records: list[dict[str, Any]], day: dt.date, grade: GradeInForce
) -> list[tuple[str, str]]:
    """(measure code, scenario) of every measure a check in each scenario returns."""
    return [
        (measure.code, scenario)
        for scenario in policy.scenarios
        for measure in credit_check(policy, records, scenario, day, grade).measures
    ]
