"""The joint incentive and punishment measures (``models/measures.yaml``): each names its
scenarios, its legal basis and the records that trigger it; only measures listed here can come
out of a credit check."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import model_validator

from credit_scoring.policies._base import GRADES, Strict, Text, load_yaml_model, policy_path
from credit_scoring.policies.publicity import TIERS
from credit_scoring.records.codes import LIST_TYPES

__all__ = ["Measure", "MeasuresPolicy", "Trigger", "load_measures"]


class Trigger(Strict):
    table: Literal["list_entries", "penalties", "grades"]
    kinds: tuple[str, ...]

    @model_validator(mode="after")
    def _known_kinds(self) -> Trigger:
        known = {"list_entries": LIST_TYPES.codes, "penalties": TIERS, "grades": GRADES}[self.table]
        unknown = [k for k in self.kinds if k not in known]
        if unknown:
            raise ValueError(f"{unknown} are not {self.table} kinds; known: {list(known)}")
        return self

    def matches(self, record: Mapping[str, Any]) -> bool:
        return record["record_table"] == self.table and record["kind"] in self.kinds


class Measure(Strict):
    code: str
    kind: Literal["incentive", "punishment"]
    scenarios: tuple[str, ...]
    text: Text
    basis: str
    triggers: tuple[Trigger, ...]


class MeasuresPolicy(Strict):
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


def load_measures(path: Path | None = None) -> MeasuresPolicy:
    """Load and check ``models/measures.yaml``; an error names the file and the key."""
    return load_yaml_model(path or policy_path("measures.yaml"), MeasuresPolicy)
