"""The sampling policy (``models/sampling.yaml``): rates by grade, eligibility, inspector rules.

Loaded once into frozen, strict objects; a mistake fails naming the file and the key, e.g.
``models/sampling.yaml: relative_rates.B: the ratios are relative to B, whose ratio must be 1``.
"""

from __future__ import annotations

import hashlib
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from credit_scoring.errors import InvalidInput
from credit_scoring.policies._base import GRADE_LABELS, GRADES, Strict, load_yaml_model, policy_path
from credit_scoring.records import codes

__all__ = [
    "DESIGNS",
    "DUE",
    "GRADES",
    "PLAN_STRATA",
    "STRATA",
    "STRATUM_LABELS",
    "ChecklistItem",
    "Department",
    "OptimalDesign",
    "PlanScope",
    "SamplingPolicy",
    "load_sampling_policy",
    "policy_digest",
]

# A subject with a fresh substantiated complaint is drawn in its own stratum, whatever its grade.
STRATA = (*GRADES, "complaint")
# A subject that falls due for a mandated inspection in a plan's period is taken with certainty,
# before the random draw; its stratum comes first so the draw's random stream is unchanged.
DUE = "due"
PLAN_STRATA = (DUE, *STRATA)
STRATUM_LABELS = {DUE: "法定频次到期", **GRADE_LABELS, "complaint": "投诉属实"}
# How the random budget is spread: by ratio (stratified, pps) or by the model's risk (optimal).
Design = Literal["stratified", "pps", "optimal"]
DESIGNS: tuple[Design, ...] = ("stratified", "pps", "optimal")


class Eligibility(Strict):
    annual_cap: int = Field(ge=1)
    min_gap_days: int = Field(ge=0)
    complaint_window_days: int = Field(ge=1)
    complaint_bypasses_cap: bool = False


class InspectorRules(Strict):
    per_inspection: int = Field(ge=2)  # the law asks for at least two officers
    recuse_last_inspectors: bool = True
    exclude_own_region: bool = False


def _known_domains(domains: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [d for d in domains if d not in codes.DOMAINS.codes]
    if unknown:
        raise ValueError(f"unknown domain code(s) {unknown}")
    return domains


DomainCodes = Annotated[tuple[str, ...], AfterValidator(_known_domains)]


class ChecklistItem(Strict):
    """One 抽查事项 of a domain's 随机抽查事项清单: what is checked, by which law, and how."""

    item: str = Field(min_length=1)
    basis: str = Field(min_length=1)
    method: str = Field(min_length=1)


class Department(Strict):
    name: str = Field(min_length=1)
    regions: tuple[str, ...] = Field(min_length=1)
    domains: DomainCodes = Field(min_length=1)


class PlanScope(Strict):
    """The subjects a plan covers by default; empty fields mean no restriction."""

    department: str | None = None
    regions: tuple[str, ...] = ()
    domains: DomainCodes = ()


class OptimalDesign(Strict):
    """The constraints the ``optimal`` design maximises the expected violations found under.

    ``floor``: every eligible subject's inclusion probability is at least this share of the
    uniform rate ``n / N``; ``certain``: strata taken with certainty (全覆盖) — a grade in it
    needs every worse grade in it too, so the grades' mean rates stay monotone. The grades'
    mean probabilities are always monotone (A <= B <= C <= D); see
    :mod:`credit_scoring.supervision.optimal`.
    """

    floor: float = Field(default=0.2, ge=0, le=1)
    certain: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _upper_grades(self) -> OptimalDesign:
        unknown = [s for s in self.certain if s not in STRATA]
        if unknown:
            raise ValueError(f"certain: unknown stratum {unknown}; strata are {STRATA}")
        taken = [g in self.certain for g in GRADES]
        if any(a and not b for a, b in pairwise(taken)):
            raise ValueError(
                "certain: a grade taken with certainty needs every worse grade "
                f"taken too (grades' rates stay monotone); got {self.certain}"
            )
        return self


class SamplingPolicy(Strict):
    """The policy a plan is drawn under; ``version`` is recorded with every plan."""

    version: str = Field(min_length=1)
    design: Design
    ordinary_rate: float = Field(gt=0, le=1)
    plans_per_year: int = Field(ge=1, le=366)
    relative_rates: dict[str, float]
    exploration_share: float = Field(ge=0, lt=1)
    eligibility: Eligibility
    inspectors: InspectorRules
    mandated_frequency: dict[str, dict[Literal["A", "B", "C", "D"], float]] = Field(
        default_factory=dict
    )
    checklists: dict[str, tuple[ChecklistItem, ...]] = Field(default_factory=dict)
    violation_results: tuple[str, ...] = Field(min_length=1)
    scope: PlanScope = PlanScope()
    departments: tuple[Department, ...] = ()
    # The optimal design's constraints; absent from the plans drawn before it existed.
    optimal: OptimalDesign = OptimalDesign()

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # A plan seals its policy's dump: under the other designs the optimal block changes
        # nothing, and leaving it out keeps their commitments (plan ids) those of before it.
        data: dict[str, object] = handler(self)
        if self.design != "optimal":
            data.pop("optimal", None)
        return data

    @model_validator(mode="after")
    def _complete(self) -> SamplingPolicy:
        unknown = [s for s in self.relative_rates if s not in STRATA]
        if unknown:
            raise ValueError(f"relative_rates: unknown stratum {unknown}; strata are {STRATA}")
        missing = [s for s in STRATA if s not in self.relative_rates]
        if missing:
            raise ValueError(f"relative_rates: give a ratio for every stratum; missing {missing}")
        if self.relative_rates["B"] != 1:
            raise ValueError("relative_rates: the ratios are relative to B, whose ratio must be 1")
        negative = [s for s, r in self.relative_rates.items() if r < 0]
        if negative:
            raise ValueError(f"relative_rates: ratios cannot be negative: {negative}")
        _known_domains(tuple(self.mandated_frequency))
        for domain, frequency in self.mandated_frequency.items():
            if set(frequency) != set(GRADES):
                raise ValueError(f"mandated_frequency.{domain}: give a yearly frequency for each "
                                 "of A, B, C, D")  # fmt: skip
        _known_domains(tuple(self.checklists))
        bad = [r for r in self.violation_results if r not in codes.INSPECTION_RESULTS.codes]
        if bad:
            raise ValueError(f"violation_results: unknown inspection result(s) {bad}")
        names = [d.name for d in self.departments]
        if len(set(names)) != len(names):
            raise ValueError("departments: each department is listed once")
        if self.scope.department is not None and self.scope.department not in names:
            raise ValueError(f"scope.department: {self.scope.department!r} is not listed")
        return self

    @property
    def period_days(self) -> int:
        """The days one plan covers: a year divided by the plans made in it (a quarter: 91)."""
        return round(365 / self.plans_per_year)

    def with_design(self, design: Design) -> SamplingPolicy:
        """The same policy under another design (for comparing them)."""
        return self.model_copy(update={"design": design})

    def department(self, name: str) -> Department:
        """The department called ``name``; a name the policy does not list is an error."""
        for department in self.departments:
            if department.name == name:
                return department
        known = ", ".join(d.name for d in self.departments) or "none"
        message = f"department {name!r} is not in the sampling policy (known: {known})"
        raise InvalidInput(message, field="department")


def load_sampling_policy(path: Path | None = None) -> SamplingPolicy:
    """Load and check ``models/sampling.yaml`` (or ``path``).

    Examples
    --------
    >>> policy = load_sampling_policy()
    >>> policy.relative_rates["B"]
    1.0
    """
    return load_yaml_model(path or policy_path("sampling.yaml"), SamplingPolicy)


def policy_digest(policy: SamplingPolicy) -> str:
    """SHA-256 of the policy's canonical JSON: what a plan's commitment binds it to."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()
