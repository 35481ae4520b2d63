"""The grade policy (``models/grading.yaml``): the authoritative scorer, its cut-offs, and the
overrides law and policy impose whatever the score — each written here once, for every scorer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from credit_scoring.policies._base import Strict, Text, Threshold, load_yaml_model, policy_path

__all__ = ["Evidence", "GradingPolicy", "Override", "load_grading_policy"]

Grade = Literal["A", "B", "C", "D"]


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


class GradingPolicy(Strict):
    version: str
    authoritative: Literal["rules", "scorecard", "gbm"]
    probability_cutoffs: dict[Literal["A", "B", "C"], float]
    overrides: tuple[Override, ...]
    evidence_for_a: Evidence
    publish_grade: bool = False

    @model_validator(mode="after")
    def _increasing_cutoffs(self) -> GradingPolicy:
        cut = self.probability_cutoffs
        if not 0 < cut.get("A", 0) < cut.get("B", 0) < cut.get("C", 0) < 1:
            raise ValueError("probability_cutoffs must give 0 < A < B < C < 1")
        return self

    @property
    def features(self) -> list[str]:
        names = [o.feature for o in self.overrides] + list(self.evidence_for_a.features)
        return list(dict.fromkeys(names))


def load_grading_policy(path: Path | None = None) -> GradingPolicy:
    """Load and check ``models/grading.yaml`` (or ``path``)."""
    return load_yaml_model(path or policy_path("grading.yaml"), GradingPolicy)
