"""Probability calibration on a model's margin (log-odds), fitted on held-out rows.

Fitted here rather than with ``CalibratedClassifierCV(cv="prefit")``: the margin is all a
calibrator needs, the held-out rows are already at hand (the same ones that stopped boosting
early), and the result stays a plain, picklable map from margin to probability.

* ``"sigmoid"`` (Platt): a two-parameter logistic fit on smoothed targets. It keeps the ranking
  (AUC) exactly and is stable on a few hundred held-out rows.
* ``"isotonic"``: a non-decreasing step function. It can fix any monotone distortion but needs
  thousands of held-out rows, and its steps tie scores (a little AUC is lost).

Both are non-decreasing in the margin, so a monotone model stays monotone after calibration.

:class:`DomainIntercepts` then shifts a calibrated probability's log-odds by one fitted amount
per domain (分类): within a domain the ranking is untouched, only its level moves.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.isotonic import IsotonicRegression

METHODS = ("sigmoid", "isotonic", None)
_CLIP = 1e-9


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


class DomainIntercepts:
    """One log-odds shift per domain, fitted on held-out rows and shrunk towards no shift.

    Each domain's shift maximises the held-out likelihood of ``expit(logit(p) + shift)`` under a
    normal prior of standard deviation ``prior_sd`` (0.5: odds × 1.65 at one deviation): a domain
    with many held-out outcomes gets nearly its observed level, a small one moves little. Rows
    of a domain never seen in fitting, or without a domain, keep their probability.

    Examples
    --------
    Domain ``a`` shows 20% adverse where 10% was predicted (a shift of 0.81 unshrunk), ``b``
    shows the 10% predicted:

    >>> p = np.full(400, 0.1)
    >>> y = np.r_[np.ones(40), np.zeros(160), np.ones(20), np.zeros(180)]
    >>> domains = np.array(["a"] * 200 + ["b"] * 200, dtype=object)
    >>> model = DomainIntercepts().fit(p, y, domains)
    >>> {d: round(abs(shift), 2) for d, shift in model.shifts_.items()}
    {'a': 0.72, 'b': 0.0}
    >>> model.predict(p[[0, -1]], ["a", "b"]).round(3).tolist()
    [0.186, 0.1]
    """

    def __init__(self, prior_sd: float = 0.5) -> None:
        self.prior_sd = prior_sd

    def fit(self, probability: np.ndarray, y01: np.ndarray, domains: Any) -> DomainIntercepts:
        if not self.prior_sd > 0:
            raise ValueError(f"prior_sd must be above 0; got {self.prior_sd}")
        margin = _logit(probability)
        y = np.asarray(y01, dtype=float)
        labels = np.asarray(domains, dtype=object)
        self.shifts_: dict[str, float] = {}
        self.subjects_: dict[str, int] = {}
        for domain in sorted({d for d in labels.tolist() if isinstance(d, str)}):
            rows = labels == domain
            self.shifts_[domain] = _map_shift(margin[rows], y[rows], self.prior_sd)
            self.subjects_[domain] = int(rows.sum())
        return self

    def predict(
        self, probability: np.ndarray, domains: Any, only: tuple[str, ...] | None = None
    ) -> np.ndarray:
        """``probability`` shifted by its row's domain; ``only`` limits the domains shifted."""
        labels = np.asarray(domains, dtype=object).tolist()
        wanted = self.shifts_ if only is None else {d: self.shifts_.get(d, 0.0) for d in only}
        shift = np.fromiter((wanted.get(d, 0.0) for d in labels), dtype=float, count=len(labels))
        return np.asarray(expit(_logit(probability) + shift), dtype="float64")


def _logit(probability: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probability, dtype=float), _CLIP, 1 - _CLIP)
    return np.asarray(np.log(p / (1 - p)))


def _map_shift(margin: np.ndarray, y: np.ndarray, prior_sd: float) -> float:
    """The posterior mode of one shift: Newton steps on a concave one-variable log-likelihood."""
    precision, shift = 1 / prior_sd**2, 0.0
    for _ in range(50):
        p = expit(margin + shift)
        gradient = float(np.sum(y - p)) - precision * shift
        step = gradient / (float(np.sum(p * (1 - p))) + precision)
        shift += step
        if abs(step) < 1e-10:
            break
    return shift
