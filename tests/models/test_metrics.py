"""Validation metrics against hand-computed values and scipy's two-sample KS."""

import numpy as np
from scipy.stats import ks_2samp

from credit_scoring.models.metrics import (
    adverse_rate_by_grade,
    calibration_table,
    ks_statistic,
    population_stability_index,
    validation_metrics,
)


def test_ks_equals_the_two_sample_statistic():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    score = rng.normal(size=2000) + y * 0.7
    expected = ks_2samp(score[y == 1], score[y == 0]).statistic
    assert abs(ks_statistic(y, score) - expected) < 1e-12


def test_ks_of_tied_scores_counts_ties_together():
    assert ks_statistic(np.array([0, 1]), np.array([0.5, 0.5])) == 0.0


def test_psi_is_zero_for_the_same_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(1)
    base = rng.normal(size=5000)
    assert population_stability_index(base, base) < 1e-9
    assert population_stability_index(base, base + 0.5) > 0.1


def test_calibration_and_grade_tables():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 0, 0, 1])
    p = np.linspace(0.05, 0.95, 10)
    table = calibration_table(y, p, bins=5)
    assert table["subjects"].tolist() == [2] * 5
    assert table["observed"].tolist() == [0.0, 1.0, 0.5, 0.0, 0.5]
    rates = adverse_rate_by_grade(y, np.array(list("AABBCCDDAA")))
    assert rates.loc["A", "adverse_rate"] == 0.25 and rates.loc["B", "adverse_rate"] == 1.0


def test_validation_metrics_on_a_perfect_ranking():
    metrics = validation_metrics(np.array([0, 0, 1]), np.array([0.1, 0.2, 0.9]))
    assert metrics["auc"] == 1.0 and metrics["ks"] == 1.0
