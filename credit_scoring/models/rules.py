"""The rule scorecard: points a regulator can read, from ``models/rules.yaml``.

A subject starts at ``base_points``; each rule adds ``points`` per unit of one catalog feature,
capped in total; bands turn points into a grade. What decides or caps a grade whatever the points
(black list → D, …) is the grade policy's, applied to every scorer alike
(:func:`credit_scoring.models.grading.apply_policy`). The scorecard is an sklearn-style
estimator so the same contract tests run over it and the learned models: ``fit`` only calibrates
points into a probability of an adverse outcome (a one-variable logistic regression); the points
and grades never depend on it.

Examples
--------
>>> card = RuleScorecard()
>>> card.points(features)  # doctest: +SKIP
>>> card.grades(features)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from credit_scoring.models._checks import Columns, row_count, row_index
from credit_scoring.policies import GRADES, RulePolicy, load_rule_policy

__all__ = ["RuleScorecard"]


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
        """The bands on points (before the grade policy's overrides).

        ``points`` saves computing them again when the caller has :meth:`points` of ``X``.
        """
        policy = self._policy()
        values = self.point_values(X) if points is None else np.asarray(points, dtype=float)
        bands = [policy.bands["A"], policy.bands["B"], policy.bands["C"]]
        rank = np.select([values >= b for b in bands], [0, 1, 2], default=3)
        return pd.Series(np.asarray(GRADES)[rank], index=row_index(X), name="grade")

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
