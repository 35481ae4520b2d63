"""The rule scorecard's policy (``models/rules.yaml``): base points, deductions and bands.

Only points and bands live here. What law or policy imposes whatever the points (black list →
D, key-attention list → no better than C, …) is the grade policy's (``models/grading.yaml``),
written once and applied to every scorer alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from credit_scoring.policies._base import Strict, load_yaml_model, policy_path

__all__ = ["Rule", "RulePolicy", "load_rule_policy"]


class Rule(Strict):
    code: str = Field(pattern=r"^R\d+$")
    feature: str
    points: float
    cap: float

    @model_validator(mode="after")
    def _cap_has_the_sign_of_points(self) -> Rule:
        if self.points * self.cap <= 0:
            raise ValueError(f"{self.code}: cap {self.cap} must have the sign of points")
        return self


class RulePolicy(Strict):
    version: str
    base_points: float
    bands: dict[Literal["A", "B", "C"], float]
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _consistent(self) -> RulePolicy:
        if not self.bands.get("A", 0) > self.bands.get("B", 0) > self.bands.get("C", 0):
            raise ValueError("bands must give A > B > C")
        codes = [r.code for r in self.rules]
        if len(codes) != len(set(codes)):
            raise ValueError("rule codes must be unique")
        return self

    @property
    def features(self) -> list[str]:
        return list(dict.fromkeys(r.feature for r in self.rules))


def load_rule_policy(path: Path | None = None) -> RulePolicy:
    """Load and check ``models/rules.yaml`` (or ``path``)."""
    return load_yaml_model(path or policy_path("rules.yaml"), RulePolicy)
