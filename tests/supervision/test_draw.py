"""The draw: allocation, exact inclusion probabilities, reproducibility, uniformity, no repeats."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from credit_scoring.errors import InfeasiblePlan
from credit_scoring.policies.sampling import STRATA, load_sampling_policy
from credit_scoring.supervision.draw import (
    allocate,
    draw_sample,
    inclusion_probabilities,
    stratum_probabilities,
)

POLICY = load_sampling_policy()


def small_frame(seed=0, sizes=(40, 30, 12, 6, 4)):
    """Strata A..complaint of the given sizes (canonical order), risks rising with the grade."""
    rng = np.random.default_rng(seed)
    strata = np.repeat(np.array(STRATA), sizes)
    base = {"A": 0.03, "B": 0.08, "C": 0.2, "D": 0.4, "complaint": 0.3}
    risk = np.array([base[s] for s in strata]) * rng.uniform(0.5, 1.5, len(strata))
    return strata, risk


@pytest.mark.parametrize("design", ["stratified", "pps", "optimal"])
def test_the_same_seed_gives_the_same_plan_and_another_seed_another(design):
    strata, risk = small_frame()
    allocation = allocate(strata, 20, POLICY)
    first = draw_sample(strata, risk, allocation, design, seed=11)
    again = draw_sample(strata, risk, allocation, design, seed=11)
    other = draw_sample(strata, risk, allocation, design, seed=12)
    assert np.array_equal(first.selected, again.selected)
    assert np.array_equal(first.explored, again.explored)
    assert first.inclusion_prob.tobytes() == again.inclusion_prob.tobytes()
    assert not np.array_equal(first.selected, other.selected)


def test_the_allocation_follows_the_ratios_caps_full_strata_and_spends_the_budget():
    # given 50 A, 40 B, 10 D and a budget of 20: 4 explore, 16 graded, D (weight 100) is full
    strata = np.array(["A"] * 50 + ["B"] * 40 + ["D"] * 10)
    allocation = allocate(strata, 20, POLICY)
    assert allocation.exploration == 4
    assert allocation.stratum_sizes == {"due": 0, "A": 1, "B": 5, "C": 0, "D": 10, "complaint": 0}
    assert allocation.total == 20


def test_a_budget_beyond_the_eligible_subjects_is_refused_with_the_numbers():
    strata = np.array(["B"] * 5)
    with pytest.raises(InfeasiblePlan, match=r"budget of 6 .* \[0, 5\]"):
        allocate(strata, 6, POLICY)


@pytest.mark.parametrize("design", ["stratified", "pps"])
def test_inclusion_probabilities_sum_to_the_sample_size(design):
    strata, risk = small_frame()
    for budget in (1, 7, 20, 45, 92):
        allocation = allocate(strata, budget, POLICY)
        drawn = draw_sample(strata, risk, allocation, design, seed=budget)
        assert drawn.inclusion_prob.sum() == pytest.approx(budget, abs=1e-9)
        assert drawn.selected.sum() == budget  # a mask: each subject at most once
        assert drawn.explored.sum() == allocation.exploration
        for stratum, size in allocation.stratum_sizes.items():
            members = strata == stratum
            assert drawn.stratum_prob[members].sum() == pytest.approx(size, abs=1e-9)
            assert (drawn.selected & ~drawn.explored)[members].sum() == size


@pytest.mark.parametrize("design", ["stratified", "pps"])
def test_each_subject_is_drawn_with_exactly_its_recorded_probability(design):
    # Over many seeded draws the share of draws holding a subject converges on pi_i,
    # including the combination of the graded draw and the exploration draw.
    strata, risk = small_frame(sizes=(8, 6, 4, 3, 2))
    policy = POLICY.model_copy(update={"exploration_share": 0.5})
    allocation = allocate(strata, 10, policy)
    pi = inclusion_probabilities(strata, risk, allocation, design)
    runs = 12_000
    hits, explored = np.zeros(len(strata)), np.zeros(len(strata))
    for seed in range(runs):
        drawn = draw_sample(strata, risk, allocation, design, seed)
        hits += drawn.selected
        explored += drawn.explored
    assert np.array_equal(drawn.inclusion_prob, pi)
    bound = 4.5 * np.sqrt(pi * (1 - pi) / runs) + 1e-12
    assert np.all(np.abs(hits / runs - pi) <= bound)
    x = drawn.exploration_prob
    assert np.all(np.abs(explored / runs - x) <= 4.5 * np.sqrt(x * (1 - x) / runs) + 1e-12)
    # The test has the power to tell: the naive union s + (1 - s) * m / N is rejected.
    naive = drawn.stratum_prob + (1 - drawn.stratum_prob) * allocation.exploration / len(strata)
    assert np.any(np.abs(hits / runs - naive) > bound)


def test_selection_inside_a_stratum_is_uniform_by_a_chi_square_test():
    strata = np.array(["B"] * 25 + ["D"] * 5)
    risk = np.full(30, 0.1)
    allocation = allocate(strata, 8, POLICY.model_copy(update={"exploration_share": 0.0}))
    counts = np.zeros(25)
    for seed in range(3000):
        counts += draw_sample(strata, risk, allocation, "stratified", seed).selected[:25]
    _, p_value = stats.chisquare(counts)
    assert allocation.stratum_sizes["B"] == 3
    assert p_value > 0.001, counts


def test_pps_probabilities_follow_the_risk_and_take_the_riskiest_with_certainty():
    strata = np.array(["C"] * 5)
    risk = np.array([0.9, 0.1, 0.1, 0.2, 0.2])
    allocation = allocate(strata, 2, POLICY.model_copy(update={"exploration_share": 0.0}))
    s = stratum_probabilities(strata, risk, allocation, "pps")
    assert s[0] == 1.0  # 2 * 0.9 / 1.5 > 1: certain, and the rest share the other draw
    assert s[1:] == pytest.approx([1 / 6, 1 / 6, 1 / 3, 1 / 3])


def test_pps_without_model_probabilities_is_refused():
    strata = np.array(["B"] * 4)
    allocation = allocate(strata, 2, POLICY)
    with pytest.raises(InfeasiblePlan, match="pps design needs the model's probability"):
        draw_sample(strata, np.full(4, np.nan), allocation, "pps", seed=0)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 30), min_size=5, max_size=5),
    share=st.floats(0, 0.9),
    fraction=st.floats(0, 1),
    design=st.sampled_from(["stratified", "pps"]),
    seed=st.integers(0, 2**32),
)
def test_any_frame_and_budget_give_a_valid_draw(sizes, share, fraction, design, seed):
    strata, risk = small_frame(seed % 7, tuple(sizes))
    if len(strata) == 0:
        return
    budget = int(fraction * len(strata))
    allocation = allocate(strata, budget, POLICY.model_copy(update={"exploration_share": share}))
    drawn = draw_sample(strata, risk, allocation, design, seed)
    assert drawn.selected.sum() == budget
    if allocation.exploration > 0:  # the exploration draw reaches every subject in scope
        assert np.all(drawn.inclusion_prob > 0)
    assert np.all(drawn.inclusion_prob <= 1 + 1e-12)
    assert drawn.inclusion_prob.sum() == pytest.approx(budget, abs=1e-6)
    assert np.all(drawn.inclusion_prob[drawn.selected] > 0)


@pytest.mark.parametrize("design", ["stratified", "pps"])
def test_due_subjects_are_taken_for_certain_and_leave_the_random_draw_as_it_was(design):
    # Mandated inspections (issue 13) come on top of the random draw without moving it: the
    # other subjects get the sample and probabilities they would get without any due subject.
    strata, risk = small_frame()
    due = np.zeros(len(strata), bool)
    due[::7] = True
    with_due = np.where(due, "due", strata)
    drawn = draw_sample(with_due, risk, allocate(with_due, 20, POLICY), design, seed=5)
    alone = draw_sample(strata[~due], risk[~due], allocate(strata[~due], 20, POLICY), design,
                        seed=5)  # fmt: skip
    assert drawn.selected[due].all() and (drawn.inclusion_prob[due] == 1).all()
    assert not drawn.explored[due].any()
    assert np.array_equal(drawn.selected[~due], alone.selected)
    assert np.allclose(drawn.inclusion_prob[~due], alone.inclusion_prob, rtol=0, atol=1e-12)
    assert drawn.selected.sum() == 20 + due.sum()
