"""Probability calibration on a model's margin (log-odds), fitted on held-out rows.

Fitted here rather than with ``CalibratedClassifierCV(cv="prefit")``: the margin is all a
calibrator needs, the held-out rows are already at hand (the same ones that stopped boosting
early), and the result stays a plain, picklable map from margin to probability.

* ``"sigmoid"`` (Platt): a two-parameter logistic fit on smoothed targets. It keeps the ranking
  (AUC) exactly and is stable on a few hundred held-out rows.
* ``"isotonic"``: a non-decreasing step function. It can fix any monotone distortion but needs
  thousands of held-out rows, and its steps tie scores (a little AUC is lost).

Both are non-decreasing in the margin, so a monotone model stays monotone after calibration.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.isotonic import IsotonicRegression

METHODS = ("sigmoid", "isotonic", None)


class MarginCalibrator:
    """Map margins to calibrated probabilities of the positive class."""

    def __init__(self, method: str) -> None:
        self.method = method
        self._model: Any = None
        self.slope_ = 1.0
        self.intercept_ = 0.0

    def fit(self, margin: np.ndarray, y01: np.ndarray) -> MarginCalibrator:
        """Fit on held-out margins and their 0/1 labels; both classes must be present."""
        if self.method == "isotonic":
            self._model = IsotonicRegression(
                y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip"
            ).fit(margin, y01)
            return self
        self.slope_, self.intercept_ = _platt(margin, y01)
        if self.slope_ < 0:
            # The model ranks the held-out rows backwards: flipping its scores would break its
            # monotone constraints, so fall back to the held-out base rate for everyone.
            warnings.warn(
                "the model ranks the held-out rows worse than chance; calibrated probabilities "
                "fall back to the held-out base rate",
                UserWarning,
                stacklevel=3,
            )
            rate = float(np.clip(np.mean(y01), 1e-6, 1 - 1e-6))
            self.slope_, self.intercept_ = 0.0, float(np.log(rate / (1 - rate)))
        return self

    def predict(self, margin: np.ndarray) -> np.ndarray:
        """Calibrated P(positive class) per margin."""
        if self.method == "isotonic":
            return np.asarray(self._model.predict(margin), dtype="float64")
        return np.asarray(expit(self.intercept_ + self.slope_ * margin), dtype="float64")


def _platt(margin: np.ndarray, y01: np.ndarray) -> tuple[float, float]:
    """Platt's (1999) fit: slope and intercept of a logistic map, on smoothed targets.

    The targets ``(n+ + 1) / (n+ + 2)`` and ``1 / (n- + 2)`` instead of 1 and 0 keep the fit finite
    when the held-out rows are (nearly) separable, which plain logistic regression on a few
    hundred well-ranked rows is not: its slope runs off and the probabilities become 0 and 1.
    """
    positives = float(np.sum(y01))
    negatives = float(len(y01) - positives)
    target = np.where(y01 == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        z = params[1] + params[0] * margin
        value = -np.sum(target * log_expit(z) + (1 - target) * log_expit(-z))
        residual = expit(z) - target
        return float(value), np.array([np.sum(residual * margin), np.sum(residual)])

    start = np.array([1.0, 0.0])  # the margin is already log-odds: start from "no change"
    fitted = minimize(loss, start, jac=True, method="L-BFGS-B")
    return float(fitted.x[0]), float(fitted.x[1])
