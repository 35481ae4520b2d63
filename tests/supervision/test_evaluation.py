"""IPW estimates are unbiased on simulated outcomes with a known truth."""

import numpy as np
import pandas as pd
import pytest

from credit_scoring.policies.sampling import STRATA, load_sampling_policy
from credit_scoring.supervision.draw import allocate, draw_sample, inclusion_probabilities
from credit_scoring.supervision.evaluation import estimate

POLICY = load_sampling_policy()
SIZES = (150, 160, 50, 25, 15)  # A, B, C, D, complaint
BUDGET = 60


@pytest.fixture(scope="module")
def population():
    """Subjects with a known chance of a violation, rising with the grade; risk is noisy."""
    rng = np.random.default_rng(42)
    strata = np.repeat(np.array(STRATA), SIZES)
    base = {"A": 0.05, "B": 0.12, "C": 0.3, "D": 0.55, "complaint": 0.4}
    truth = np.clip(np.array([base[s] for s in strata]) * rng.uniform(0.3, 1.7, len(strata)), 0, 1)
    risk = np.clip(truth * rng.uniform(0.5, 1.5, len(strata)), 1e-3, 1)
    grade = np.where(strata == "complaint", "B", strata)
    return strata, grade, risk, truth


def _one_plan(population, design, seed):
    strata, grade, risk, truth = population
    allocation = allocate(strata, BUDGET, POLICY)
    drawn = draw_sample(strata, risk, allocation, design, seed)
    rng = np.random.default_rng([seed, 99])
    frame = pd.DataFrame({
        "plan_id": "P", "grade": grade, "stratum": strata,
        "inclusion_prob": drawn.inclusion_prob, "stratum_prob": drawn.stratum_prob,
        "exploration_prob": drawn.exploration_prob,
        "explored": drawn.explored, "inspected": drawn.selected,
        "violation": np.where(drawn.selected, rng.random(len(truth)) < truth, np.nan),
        "q_uniform": np.full(len(truth), BUDGET / len(truth)),
        "q_pps": inclusion_probabilities(strata, risk, allocation, "pps"),
    })  # fmt: skip
    return estimate(frame, replicates=0)


@pytest.mark.parametrize("design", ["stratified", "pps"])
def test_horvitz_thompson_estimates_are_unbiased_over_repeated_plans(population, design):
    strata, grade, risk, truth = population
    allocation = allocate(strata, BUDGET, POLICY)
    q_pps = inclusion_probabilities(strata, risk, allocation, "pps")
    targets = {
        "rate": truth.mean(),
        "pps_per_inspection": (q_pps * truth).sum() / q_pps.sum(),
        "exploration_rate": truth.mean(),
        **{f"grade_{g}": truth[grade == g].mean() for g in "ABCD"},
    }
    if design == "pps":  # some subjects are certain: exploration can never reach them
        assert (inclusion_probabilities(strata, risk, allocation, "pps") == 1).any()
    runs = 400
    estimates = {key: [] for key in targets}
    naive = []
    for seed in range(runs):
        by_grade, policies, exploration = _one_plan(population, design, seed)
        ht = policies.set_index("policy")["ht"]
        estimates["rate"].append(ht["uniform"])
        estimates["pps_per_inspection"].append(ht["pps"])
        estimates["exploration_rate"].append(exploration["ht"])
        for _, row in by_grade.iterrows():
            estimates[f"grade_{row['grade']}"].append(row["ht"])
        naive.append(_naive_mean(population, design, seed))
    for key, target in targets.items():
        values = np.array(estimates[key])
        standard_error = values.std(ddof=1) / np.sqrt(runs)
        assert abs(values.mean() - target) <= 3 * standard_error, (key, values.mean(), target)
    # The check has power: the plain mean of the inspected is far off (the plan over-samples D).
    naive = np.array(naive)
    assert abs(naive.mean() - targets["rate"]) > 3 * naive.std(ddof=1) / np.sqrt(runs)


def _naive_mean(population, design, seed):
    strata, _, risk, truth = population
    drawn = draw_sample(strata, risk, allocate(strata, BUDGET, POLICY), design, seed)
    rng = np.random.default_rng([seed, 99])
    return float((rng.random(len(truth)) < truth)[drawn.selected].mean())
