"""A threshold on one feature, shared by the rule scorecard's conditions and the grade overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["GRADES", "Strict", "Threshold", "worst_grade"]

GRADES = ("A", "B", "C", "D")  # best first


def worst_grade(*grades: str) -> str:
    return max(grades, key=GRADES.index)


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Threshold(Strict):
    """Met when a feature is ``at_least`` or ``below`` a value (missing: per ``if_missing``)."""

    code: str
    feature: str
    at_least: float | None = None
    below: float | None = None
    if_missing: bool = False  # whether a missing value meets the condition

    @model_validator(mode="after")
    def _one_threshold(self) -> Threshold:
        if (self.at_least is None) == (self.below is None):
            raise ValueError(f"{self.code}: give exactly one of at_least and below")
        return self

    def met(self, values: pd.Series | np.ndarray) -> np.ndarray:
        plain = isinstance(values, np.ndarray) and values.dtype.kind in "iuf"  # nothing to parse
        numbers = values.astype(float) if plain else pd.to_numeric(values, errors="coerce")
        numbers = np.asarray(numbers, dtype=float)
        with np.errstate(invalid="ignore"):
            hit = numbers >= self.at_least if self.at_least is not None else numbers < self.below
        return np.where(np.isnan(numbers), self.if_missing, hit)
