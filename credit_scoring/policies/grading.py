"""The grade policy (``models/grading.yaml``): the authoritative scorer, its cut-offs, the
overrides law and policy impose whatever the score — each written here once, for every scorer —
and, optionally, per-domain cut-offs and calibration (分类, by a subject's primary domain).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from credit_scoring.policies._base import Strict, Text, Threshold, load_yaml_model, policy_path
from credit_scoring.records.codes import DOMAINS

__all__ = [
    "DOMAIN_FEATURE", "DomainSettings", "Evidence", "GradingPolicy", "Override",
    "load_grading_policy",
]  # fmt: skip

Grade = Literal["A", "B", "C", "D"]
Cutoffs = dict[Literal["A", "B", "C"], float]
# The catalog's segment feature the per-domain settings read (features/subjects.yaml).
DOMAIN_FEATURE = "primary_domain"


class Override(Threshold):
    code: str = Field(pattern=r"^O\d+$")
    set: Grade | None = None
    no_better_than: Grade | None = None
    reason: Text

    @model_validator(mode="after")
    def _one_effect(self) -> Override:
        if (self.set is None) == (self.no_better_than is None):
            raise ValueError(f"{self.code}: give exactly one of set and no_better_than")
        return self


class Evidence(Strict):
    features: tuple[str, ...] = Field(min_length=1)
    otherwise: Grade


def _check_cutoffs(cut: Cutoffs, where: str) -> None:
    if not 0 < cut.get("A", 0) < cut.get("B", 0) < cut.get("C", 0) < 1:
        raise ValueError(f"{where} must give 0 < A < B < C < 1")


def _known_domain(code: str) -> str:
    if code not in DOMAINS:
        raise ValueError(f"{code!r} is not a domain code; one of {list(DOMAINS.codes)}")
    return code


class DomainSettings(Strict):
    """Per-domain settings, by the subject's primary domain; none by default.

    ``calibrate`` names the domains (or ``all``) whose probabilities take the model's own
    per-domain intercept, fitted at training on the calibration half and stored with the model;
    ``probability_cutoffs`` replaces the city-wide cut-offs for a domain's subjects.
    """

    calibrate: Literal["all"] | tuple[str, ...] = ()
    probability_cutoffs: dict[str, Cutoffs] = Field(default_factory=dict)

    @field_validator("calibrate")
    @classmethod
    def _known_calibrated(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        return value if value == "all" else tuple(_known_domain(code) for code in value)

    @field_validator("probability_cutoffs")
    @classmethod
    def _known_cut(cls, value: dict[str, Cutoffs]) -> dict[str, Cutoffs]:
        for code, cut in value.items():
            _known_domain(code)
            _check_cutoffs(cut, f"{code}'s cut-offs")
        return value

    @property
    def active(self) -> bool:
        """Whether any domain is treated apart (then grades need the primary domain)."""
        return bool(self.calibrate) or bool(self.probability_cutoffs)

    @property
    def calibrated(self) -> tuple[str, ...] | None:
        """The domains calibrated apart: None for every domain, () for none."""
        return None if self.calibrate == "all" else tuple(self.calibrate)


class GradingPolicy(Strict):
    version: str
    authoritative: Literal["rules", "scorecard", "gbm"]
    probability_cutoffs: Cutoffs
    overrides: tuple[Override, ...]
    evidence_for_a: Evidence
    domains: DomainSettings = Field(default_factory=DomainSettings)
    publish_grade: bool = False

    @model_validator(mode="after")
    def _increasing_cutoffs(self) -> GradingPolicy:
        _check_cutoffs(self.probability_cutoffs, "probability_cutoffs")
        return self

    @property
    def features(self) -> list[str]:
        names = [o.feature for o in self.overrides] + list(self.evidence_for_a.features)
        names += [DOMAIN_FEATURE] * self.domains.active
        return list(dict.fromkeys(names))


def load_grading_policy(path: Path | None = None) -> GradingPolicy:
    """Load and check ``models/grading.yaml`` (or ``path``)."""
    return load_yaml_model(path or policy_path("grading.yaml"), GradingPolicy)
