"""The three scorers trained together, versioned and registered as one model.

A grade needs the rule scorecard (calibrated), the WoE scorecard and the GBM side by side: the
grade policy picks the authoritative one and the others are shown as a second opinion. They are
trained on the same data and registered together, so a model version names all three and the
feature list and catalog they were trained on. Given the domain of each held-out row, the bundle
also fits each scorer's per-domain intercepts there, which the grade policy may apply
(``models/grading.yaml``, ``domains.calibrate``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from credit_scoring.errors import ConfigError
from credit_scoring.features.catalog import Catalog
from credit_scoring.models._calibration import DomainIntercepts
from credit_scoring.models._checks import Columns, row_index
from credit_scoring.models.gbm import GBM
from credit_scoring.models.rules import RuleScorecard
from credit_scoring.models.scorecard import Scorecard

__all__ = ["SCORERS", "ScorerBundle", "monotone_from_catalog"]

SCORERS = ("rules", "scorecard", "gbm")


def monotone_from_catalog(catalog: Catalog, columns: list[str]) -> dict[str, int]:
    """+1 for features whose higher values are riskier, -1 for safer ones, none for the rest."""
    sign = {"risk": 1, "safe": -1}
    return {
        f.name: sign[f.direction]
        for f in catalog
        if f.name in columns and f.direction in sign and f.dtype != "category"
    }


class ScorerBundle(ClassifierMixin, BaseEstimator):
    """Rule scorecard, WoE scorecard and GBM fitted on one training set.

    ``predict_proba`` is the GBM's (the model the champion rule compares); ``probabilities``
    gives each scorer's.
    """

    def __init__(
        self,
        features: list[str] | None = None,
        monotone: dict[str, int] | None = None,
        trained_as_of: dt.date | None = None,
        random_state: int = 0,
        gbm_params: dict[str, Any] | None = None,
    ) -> None:
        self.features = features
        self.monotone = monotone
        self.trained_as_of = trained_as_of
        self.random_state = random_state
        self.gbm_params = gbm_params

    def fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        eval_set: tuple[pd.DataFrame, np.ndarray],
        eval_domains: pd.Series | np.ndarray | None = None,
    ) -> ScorerBundle:
        """Fit all three; ``eval_set`` (out of time) serves the GBM's early stopping and
        calibration. ``eval_domains``, the primary domain of each ``eval_set`` row, fits each
        scorer's per-domain intercepts on those rows (``domain_intercepts_``, else None)."""
        columns = self.features or list(X.columns)
        monotone = self.monotone or {}
        self.rules_ = RuleScorecard().fit(X, y)
        self.scorecard_ = Scorecard(monotone=monotone).fit(X[columns], y)
        self.gbm_ = GBM(
            monotone=monotone, random_state=self.random_state, **(self.gbm_params or {})
        )
        self.gbm_.fit(X[columns], y, eval_set=(eval_set[0][columns], eval_set[1]))
        self.classes_ = self.gbm_.classes_
        self.features_ = columns
        self.domain_intercepts_: dict[str, DomainIntercepts] | None = None
        if eval_domains is not None:
            held = self.probability_values(eval_set[0])
            self.domain_intercepts_ = {
                name: DomainIntercepts().fit(p, np.asarray(eval_set[1]), eval_domains)
                for name, p in held.items()
            }
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.gbm_.predict_proba(X[self.features_]))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.gbm_.predict(X[self.features_]))

    def probabilities(
        self, X: Columns, rule_points: pd.Series | np.ndarray | None = None
    ) -> pd.DataFrame:
        """Each scorer's probability of an adverse outcome, one column per scorer.

        ``rule_points`` saves computing them again when the caller has the rule points of ``X``.
        The learned scorers pick their columns (``features_``) from ``X`` by name.
        """
        return pd.DataFrame(self.probability_values(X, rule_points), index=row_index(X))

    def probability_values(
        self, X: Columns, rule_points: pd.Series | np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """:meth:`probabilities` as one array per scorer."""
        points = self.rules_.point_values(X) if rule_points is None else rule_points
        return {
            "rules": self.rules_.proba_of_points(points)[:, 1],
            "scorecard": self.scorecard_.predict_proba(X)[:, 1],
            "gbm": self.gbm_.predict_proba(X)[:, 1],
        }

    def domain_calibrated(
        self,
        probabilities: dict[str, np.ndarray],
        domains: pd.Series | np.ndarray,
        only: tuple[str, ...] | None = None,
    ) -> dict[str, np.ndarray]:
        """Each scorer's probabilities (:meth:`probability_values`) with its per-domain
        intercept added in log-odds, for the domains ``only`` names (None: every domain)."""
        intercepts = getattr(self, "domain_intercepts_", None)  # None in bundles fitted before
        if intercepts is None:
            raise ConfigError(
                "the grade policy calibrates by domain (domains.calibrate) but this model has no "
                "per-domain intercepts: train it again, or empty domains.calibrate"
            )
        return {
            name: intercepts[name].predict(p, domains, only) for name, p in probabilities.items()
        }

    def scorer(self, name: str) -> Any:
        return {"rules": self.rules_, "scorecard": self.scorecard_, "gbm": self.gbm_}[name]
