"""The rule scorecard: points a regulator can read, from ``models/rules.yaml``.

A subject starts at ``base_points``; each rule adds ``points`` per unit of one catalog feature,
capped in total; bands turn points into a grade; some conditions decide the grade directly (on
the black list → D) and some cap it (on the key-attention list → no better than C; under three
years in business → not A). The scorecard is an sklearn-style estimator so the same contract tests
run over it and the learned models: ``fit`` only calibrates points into a probability of an
adverse outcome (a one-variable logistic regression); the points and grades never depend on it.

Examples
--------
>>> card = RuleScorecard()
>>> card.points(features)  # doctest: +SKIP
>>> card.grades(features)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from credit_scoring.models._checks import Columns, row_count, row_index
from credit_scoring.models._conditions import GRADES, Strict, Threshold, worst_grade
from credit_scoring.settings import load_yaml_model, policy_path

__all__ = ["GRADES", "RulePolicy", "RuleScorecard", "load_rule_policy", "worst_grade"]

Grade = Literal["A", "B", "C", "D"]


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


class Condition(Threshold):
    code: str = Field(pattern=r"^[DL]\d+$")
    grade: Grade


class RulePolicy(Strict):
    version: str
    base_points: float
    bands: dict[Literal["A", "B", "C"], float]
    rules: tuple[Rule, ...]
    decide: tuple[Condition, ...] = ()
    limit: tuple[Condition, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> RulePolicy:
        if not self.bands.get("A", 0) > self.bands.get("B", 0) > self.bands.get("C", 0):
            raise ValueError("bands must give A > B > C")
        codes = [r.code for r in self.rules] + [c.code for c in (*self.decide, *self.limit)]
        if len(codes) != len(set(codes)):
            raise ValueError("rule and condition codes must be unique")
        return self

    @property
    def features(self) -> list[str]:
        names = [r.feature for r in self.rules] + [c.feature for c in (*self.decide, *self.limit)]
        return list(dict.fromkeys(names))


def load_rule_policy(path: Path | None = None) -> RulePolicy:
    """Load and check ``models/rules.yaml`` (or ``path``)."""
    return load_yaml_model(path or policy_path("rules.yaml"), RulePolicy)


class RuleScorecard(ClassifierMixin, BaseEstimator):
    """Points, grades and fired rules from a :class:`RulePolicy`; ``fit`` calibrates a PD."""

    def __init__(self, policy: RulePolicy | None = None) -> None:
        self.policy = policy

    def _policy(self) -> RulePolicy:
        return self.policy or load_rule_policy()

    def contributions(self, X: Columns) -> pd.DataFrame:
        """Points each rule adds (negative: deducts) for each row, capped; one column per rule."""
        codes = [r.code for r in self._policy().rules]
        return pd.DataFrame(self.contribution_values(X), index=row_index(X), columns=codes)

    def contribution_values(self, X: Columns) -> np.ndarray:
        """:meth:`contributions` as a bare array, the rules' columns in policy order."""
        policy = self._policy()
        _require(X, policy.features)
        if not policy.rules:
            return np.empty((row_count(X), 0))
        # One matrix for all rules: per-rule arithmetic costs more than the rows on one subject.
        values = np.column_stack([np.asarray(X[r.feature], dtype=float) for r in policy.rules])
        points = np.array([r.points for r in policy.rules]) * np.nan_to_num(values)
        caps = np.array([r.cap for r in policy.rules])
        return np.where(caps < 0, np.maximum(points, caps), np.minimum(points, caps))

    def points(self, X: Columns) -> pd.Series:
        return pd.Series(self.point_values(X), index=row_index(X))

    def point_values(self, X: Columns) -> np.ndarray:
        """:meth:`points` as a bare array."""
        return self._policy().base_points + self.contribution_values(X).sum(axis=1)

    def grades(self, X: Columns, points: pd.Series | np.ndarray | None = None) -> pd.Series:
        """Bands on points, then the conditions that cap or decide the grade.

        ``points`` saves computing them again when the caller has :meth:`points` of ``X``.
        """
        policy = self._policy()
        values = self.point_values(X) if points is None else np.asarray(points, dtype=float)
        bands = [policy.bands["A"], policy.bands["B"], policy.bands["C"]]
        rank = np.select([values >= b for b in bands], [0, 1, 2], default=3)
        for condition in policy.limit:
            capped = GRADES.index(condition.grade)
            rank = np.where(condition.met(X[condition.feature]), np.maximum(rank, capped), rank)
        for condition in policy.decide:
            rank = np.where(
                condition.met(X[condition.feature]), GRADES.index(condition.grade), rank
            )
        return pd.Series(np.asarray(GRADES)[rank], index=row_index(X), name="grade")

    def conditions_met(self, X: pd.DataFrame) -> pd.DataFrame:
        """One boolean column per decide/limit condition."""
        policy = self._policy()
        return pd.DataFrame(
            {c.code: c.met(X[c.feature]) for c in (*policy.decide, *policy.limit)}, index=X.index
        )

    def fit(self, X: pd.DataFrame, y: pd.Series | np.ndarray) -> RuleScorecard:
        """Calibrate points into P(adverse): a logistic regression on the points alone."""
        labels = np.asarray(y)
        self.classes_ = np.unique(labels)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have two classes; got {list(self.classes_)}")
        points = self.points(X).to_numpy(dtype=float).reshape(-1, 1)
        self.calibration_ = LogisticRegression().fit(points, labels)
        self.policy_version_ = self._policy().version
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.proba_of_points(self.points(X))

    def proba_of_points(self, points: pd.Series | np.ndarray) -> np.ndarray:
        """:meth:`predict_proba` from the rows' :meth:`points`."""
        check_is_fitted(self, "calibration_")
        column = np.asarray(points, dtype=float).reshape(-1, 1)
        return np.asarray(self.calibration_.predict_proba(column))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)])

    def explain(self, X: pd.DataFrame, top_k: int = 4) -> list[list[dict[str, object]]]:
        """Per row, the rules that deducted most, largest deduction first."""
        policy = {r.code: r for r in self._policy().rules}
        lost = -self.contributions(X)
        reasons: list[list[dict[str, object]]] = []
        for index, row in lost.iterrows():
            fired = row[row > 0].sort_values(ascending=False).head(top_k)
            reasons.append([
                {"code": str(code), "feature": policy[str(code)].feature,
                 "value": X.at[index, policy[str(code)].feature], "contribution": float(points)}
                for code, points in fired.items()
            ])  # fmt: skip
        return reasons


def _require(X: Columns, features: list[str]) -> None:
    missing = [f for f in features if f not in X]
    if missing:
        raise ValueError(f"the rule scorecard needs feature(s) {missing}, absent from X")
