"""Credit checks: the joint incentive and punishment measures that apply to a subject.

The measures are a list (``models/measures.yaml``), and only measures on it can come out of a
check: each names its scenarios and the records that trigger it. A check for a scenario matches
every measure of that scenario against the subject's records in force on the day and returns
the matching measures with the records behind each.

Examples
--------
>>> from credit_scoring.policies import load_measures
>>> policy = load_measures()
>>> sorted(policy.scenarios)
['funding', 'honours', 'licensing', 'procurement', 'tendering']
>>> credit_check(policy, [], "licensing", dt.date(2026, 10, 1)).measures
[]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from credit_scoring.errors import InvalidInput
from credit_scoring.grading import GradeInForce
from credit_scoring.policies import GRADE_LABELS
from credit_scoring.policies.measures import MeasuresPolicy
from credit_scoring.snapshots.standing import in_force

__all__ = ["AppliedMeasure", "CreditCheck", "credit_check"]


@dataclass(frozen=True)
class AppliedMeasure:
    code: str
    kind: str
    text_zh: str
    text_en: str
    basis: str
    records: list[dict[str, Any]]


@dataclass(frozen=True)
class CreditCheck:
    scenario: str
    day: dt.date
    policy_version: str
    measures: list[AppliedMeasure]


def credit_check(
    policy: MeasuresPolicy,
    records: Iterable[Mapping[str, Any]],
    scenario: str,
    day: dt.date,
    grade: GradeInForce | None = None,
) -> CreditCheck:
    """The measures of ``scenario`` that the subject's standing ``records`` and its ``grade``
    in force trigger on ``day``; a grade measure cites the grade, its date and scorer."""
    if scenario not in policy.scenarios:
        raise InvalidInput(
            f"scenario must be one of {sorted(policy.scenarios)}; got {scenario!r}",
            field="scenario",
        )
    current = [r for r in records if in_force(r, day, public_only=False)]
    if grade is not None:
        current.append(_grade_record(grade))
    withheld = any(t.matches(r) for t in policy.incentives_withheld_by for r in current)
    applied = []
    for measure in policy.measures:
        if scenario not in measure.scenarios or (measure.kind == "incentive" and withheld):
            continue
        hits = [r for r in current if any(t.matches(r) for t in measure.triggers)]
        if hits:
            applied.append(
                AppliedMeasure(
                    measure.code,
                    measure.kind,
                    measure.text.zh,
                    measure.text.en,
                    measure.basis,
                    [_evidence(r) for r in hits],
                )
            )
    return CreditCheck(scenario, day, policy.version, applied)


def _grade_record(grade: GradeInForce) -> dict[str, Any]:
    """The grade as a record a measure can cite: ``grades`` / ``grade:D``."""
    return {"record_table": "grades", "record_id": f"grade:{grade.grade}", "kind": grade.grade,
            "title": f"信用等级 {grade.grade}（{GRADE_LABELS[grade.grade]}）", "decision_no": None,
            "authority": grade.scorer, "start": grade.as_of, "until": None}  # fmt: skip


def _evidence(record: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("record_table", "record_id", "kind", "title", "decision_no", "authority", "start",
            "until")  # fmt: skip
    return {k: record[k] for k in keep}
