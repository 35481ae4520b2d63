"""The joint incentive and punishment measures (``models/measures.yaml``): each names its
scenarios, its legal basis, the records that trigger it and the departments that implement it;
only measures listed here can come out of a credit check, and each applied measure becomes a task
for its implementing departments (:mod:`credit_scoring.workflows.sanctions`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from credit_scoring.errors import InvalidInput
from credit_scoring.policies._base import GRADES, Strict, Text, load_yaml_model, policy_path
from credit_scoring.policies.publicity import TIERS
from credit_scoring.records.codes import FULFILMENTS, LIST_TYPES

__all__ = ["Measure", "MeasuresPolicy", "TaskDeadlines", "Trigger", "load_measures"]


class Trigger(Strict):
    table: Literal["list_entries", "penalties", "grades", "commitments"]
    kinds: tuple[str, ...]

    @model_validator(mode="after")
    def _known_kinds(self) -> Trigger:
        known = {"list_entries": LIST_TYPES.codes, "penalties": TIERS, "grades": GRADES,
                 "commitments": FULFILMENTS.codes}[self.table]  # fmt: skip
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
    implementing_departments: tuple[str, ...] = Field(min_length=1)
    triggers: tuple[Trigger, ...]

    def triggered_by_list(self, list_type: str) -> bool:
        """Whether an entry on ``list_type`` triggers the measure (in any scenario)."""
        return any(t.table == "list_entries" and list_type in t.kinds for t in self.triggers)


class TaskDeadlines(Strict):
    """Working days from a task's issue to its first response and to its outcome reported."""

    respond_within: int = Field(ge=1, le=60)
    feedback_within: int = Field(ge=1, le=120)


class MeasuresPolicy(Strict):
    version: str
    departments: dict[str, Text]
    tasks: TaskDeadlines
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
            unknown = set(measure.implementing_departments) - set(self.departments)
            if unknown:
                raise ValueError(
                    f"{measure.code}: unknown implementing departments {sorted(unknown)}; "
                    f"known: {sorted(self.departments)}"
                )
        if self.tasks.feedback_within < self.tasks.respond_within:
            raise ValueError("tasks.feedback_within is shorter than tasks.respond_within")
        return self

    def department(self, name: str) -> str:
        """A department's code from its code or its Chinese name; ``InvalidInput`` if neither."""
        if name in self.departments:
            return name
        for code, text in self.departments.items():
            if name == text.zh:
                return code
        raise InvalidInput(f"department must be one of {sorted(self.departments)} (or its "
                           f"Chinese name); got {name!r}", field="department")  # fmt: skip


def load_measures(path: Path | None = None) -> MeasuresPolicy:
    """Load and check ``models/measures.yaml``; an error names the file and the key."""
    return load_yaml_model(path or policy_path("measures.yaml"), MeasuresPolicy)
