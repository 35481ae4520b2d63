"""Credit checks: the joint incentive and punishment measures that apply to a subject.

The measures are a list (``models/measures.yaml``), and only measures on it can come out of a
check: each names its scenarios and the records that trigger it. A check for a scenario matches
every measure of that scenario against the subject's records in force on the day and returns
the matching measures with the records behind each.

Examples
--------
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
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from credit_scoring.features.publicity import TIERS
from credit_scoring.records.codes import LIST_TYPES
from credit_scoring.settings import load_yaml_model, policy_path
from credit_scoring.snapshots.standing import in_force

__all__ = ["AppliedMeasure", "CreditCheck", "MeasuresPolicy", "credit_check", "load_measures"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Strict):
    zh: str
    en: str


class Trigger(_Strict):
    table: Literal["list_entries", "penalties"]
    kinds: tuple[str, ...]

    @model_validator(mode="after")
    def _known_kinds(self) -> Trigger:
        known = LIST_TYPES.codes if self.table == "list_entries" else TIERS
        unknown = [k for k in self.kinds if k not in known]
        if unknown:
            raise ValueError(f"{unknown} are not {self.table} kinds; known: {list(known)}")
        return self

    def matches(self, record: Mapping[str, Any]) -> bool:
        return record["record_table"] == self.table and record["kind"] in self.kinds


class Measure(_Strict):
    code: str
    kind: Literal["incentive", "punishment"]
    scenarios: tuple[str, ...]
    text: Text
    basis: str
    triggers: tuple[Trigger, ...]


class MeasuresPolicy(_Strict):
    version: str
    scenarios: dict[str, Text]
    measures: tuple[Measure, ...]
    incentives_withheld_by: tuple[Trigger, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> MeasuresPolicy:
        codes = [m.code for m in self.measures]
        if len(set(codes)) != len(codes):
            raise ValueError(f"measure codes must be unique: {codes}")
        for measure in self.measures:
            unknown = set(measure.scenarios) - set(self.scenarios)
            if unknown:
                raise ValueError(f"{measure.code}: unknown scenarios {sorted(unknown)}")
        return self


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


def load_measures(path: Path | None = None) -> MeasuresPolicy:
    """Load and check ``models/measures.yaml``; an error names the file and the key."""
    return load_yaml_model(path or policy_path("measures.yaml"), MeasuresPolicy)


def credit_check(
    policy: MeasuresPolicy, records: Iterable[Mapping[str, Any]], scenario: str, day: dt.date
) -> CreditCheck:
    """The measures of ``scenario`` that the subject's standing ``records`` trigger on ``day``."""
    if scenario not in policy.scenarios:
        raise ValueError(f"scenario must be one of {sorted(policy.scenarios)}; got {scenario!r}")
    current = [r for r in records if in_force(r, day, public_only=False)]
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


def _evidence(record: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("record_table", "record_id", "kind", "title", "decision_no", "authority", "start",
            "until")  # fmt: skip
    return {k: record[k] for k in keep}
