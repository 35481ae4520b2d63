"""Validation metrics a credit office reads: AUC, KS, Brier, calibration, rates by grade, PSI.

Examples
--------
>>> import numpy as np
>>> y, p = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
>>> round(ks_statistic(y, p), 2)
0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

__all__ = [
    "adverse_rate_by_grade",
    "calibration_table",
    "ks_statistic",
    "population_stability_index",
    "validation_metrics",
]


def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    """The largest gap between the score distributions of adverse and other subjects."""
    y = np.asarray(y).astype(bool)
    order = np.argsort(score, kind="stable")
    sorted_score, sorted_y = np.asarray(score)[order], y[order]
    # Evaluate the two cumulative distributions only where the score changes (ties together).
    last_of_tie = np.r_[sorted_score[1:] != sorted_score[:-1], True]
    adverse = np.cumsum(sorted_y)[last_of_tie] / max(sorted_y.sum(), 1)
    other = np.cumsum(~sorted_y)[last_of_tie] / max((~sorted_y).sum(), 1)
    return float(np.max(np.abs(adverse - other)))


def calibration_table(y: np.ndarray, probability: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Predicted against observed adverse rates in probability deciles (equal-count bins)."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": probability})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False)
    table = frame.groupby("bin").agg(
        subjects=("y", "size"), predicted=("p", "mean"), observed=("y", "mean")
    )
    return table.reset_index(drop=True)


def adverse_rate_by_grade(y: np.ndarray, grades: np.ndarray) -> pd.DataFrame:
    """Subjects and observed adverse rate per grade, A to D."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "grade": grades})
    table = frame.groupby("grade").agg(subjects=("y", "size"), adverse_rate=("y", "mean"))
    return table.reindex(["A", "B", "C", "D"]).fillna({"subjects": 0})


def population_stability_index(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """PSI of ``actual`` against ``expected`` over the deciles of ``expected``."""
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    if len(edges) < 3:  # a (nearly) constant score: one bin, nothing to compare
        return 0.0
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.histogram(expected, edges)[0] / len(expected)
    a = np.histogram(actual, edges)[0] / len(actual)
    e, a = np.clip(e, 1e-6, None), np.clip(a, 1e-6, None)
    return float(np.sum((a - e) * np.log(a / e)))


def validation_metrics(y: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """AUC, KS and Brier score on a validation window; AUC is NaN if only one class occurs."""
    y = np.asarray(y)
    one_class = len(np.unique(y)) < 2
    return {
        "auc": float("nan") if one_class else float(roc_auc_score(y, probability)),
        "ks": ks_statistic(y, probability),
        "brier": float(brier_score_loss(y, probability)),
        "adverse_rate": float(np.mean(y)),
    }
