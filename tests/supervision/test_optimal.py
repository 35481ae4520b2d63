"""The optimal design: the LP it solves (budget, floor, certain strata, monotone grade means), its
optimality against a generic LP solver, and its draw's exact inclusion probabilities."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from credit_scoring.errors import InfeasiblePlan
from credit_scoring.policies.sampling import GRADES, STRATA, OptimalDesign, load_sampling_policy
from credit_scoring.supervision.draw import (
    allocate,
    draw_sample,
    inclusion_probabilities,
    stratum_probabilities,
)
from credit_scoring.supervision.optimal import optimal_probabilities

POLICY = load_sampling_policy()
NO_EXPLORATION = POLICY.model_copy(update={"exploration_share": 0.0})


def frame(seed=0, sizes=(40, 30, 12, 6, 4)):
    """Strata A..complaint (canonical order), risks rising with the grade, ties included."""
    rng = np.random.default_rng(seed)
    strata = np.repeat(np.array(STRATA), sizes)
    base = {"A": 0.03, "B": 0.08, "C": 0.2, "D": 0.4, "complaint": 0.3}
    risk = np.array([base[s] for s in strata]) * rng.uniform(0.5, 1.5, len(strata))
    return strata, np.round(risk, 2)


def grade_means(strata, pi, grades=GRADES):
    return [pi[strata == g].mean() for g in grades if (strata == g).any()]


@pytest.mark.parametrize("budget", [1, 7, 20, 45, 92])
def test_probabilities_sum_to_the_budget_keep_the_floor_and_stay_monotone(budget):
    strata, risk = frame()
    allocation = allocate(strata, budget, POLICY)
    pi = inclusion_probabilities(strata, risk, allocation, "optimal")
    assert pi.sum() == pytest.approx(budget, abs=1e-9)
    assert np.all(pi <= 1) and np.all(pi >= 0.2 * budget / len(strata) - 1e-12)
    means = grade_means(strata, pi)
    assert all(a <= b + 1e-12 for a, b in pairwise(means))


def test_the_floor_binds_when_the_exploration_share_cannot_keep_it():
    # given no exploration and a floor of half the uniform rate: nobody below it, the riskiest
    # at 1, and the budget otherwise spent on the riskiest first
    strata, risk = frame()
    allocation = allocate(strata, 20, NO_EXPLORATION)
    s = stratum_probabilities(strata, risk, allocation, "optimal",
                              optimal=OptimalDesign(floor=0.5))  # fmt: skip
    floor = 0.5 * 20 / len(strata)
    assert s.min() == pytest.approx(floor)
    assert s.sum() == pytest.approx(20, abs=1e-9)
    assert np.all(s[risk > np.sort(risk)[-8]] == 1.0)
    # riskier never less likely
    order = np.argsort(risk, kind="stable")
    assert np.all(np.diff(s[order]) >= -1e-12)


def test_subjects_of_equal_risk_get_equal_probabilities():
    strata = np.array(["B"] * 6)
    risk = np.array([0.5, 0.2, 0.2, 0.2, 0.2, 0.1])
    s = optimal_probabilities(strata, risk, graded=3, exploration=0, design=OptimalDesign(floor=0))
    assert s.tolist() == [1.0, 0.5, 0.5, 0.5, 0.5, 0.0]


def test_grade_means_stay_monotone_when_the_risk_does_not_follow_the_grades():
    # given an A subject riskier than every B (a per-domain cut-off, say): unconstrained the
    # budget would go to it first; the constraint pools A with B at one common rate
    strata = np.array(["A", "A", "B", "B", "B", "B"])
    risk = np.array([0.9, 0.02, 0.10, 0.10, 0.05, 0.05])
    s = optimal_probabilities(strata, risk, graded=2, exploration=0, design=OptimalDesign(floor=0))
    assert s[:2].mean() == pytest.approx(s[2:].mean())
    assert s == pytest.approx([2 / 3, 0, 2 / 3, 2 / 3, 0, 0])


def test_d_is_taken_with_certainty_when_configured_and_refused_when_the_budget_is_short():
    strata, risk = frame()
    design = OptimalDesign(certain=("D",))
    allocation = allocate(strata, 30, POLICY)
    pi = inclusion_probabilities(strata, risk, allocation, "optimal", optimal=design)
    assert np.all(pi[strata == "D"] == 1.0)
    assert pi.sum() == pytest.approx(30, abs=1e-9)
    short = allocate(strata, 5, POLICY)  # 4 graded inspections for 6 D subjects
    with pytest.raises(InfeasiblePlan, match="takes 6 subjects of D with certainty"):
        inclusion_probabilities(strata, risk, short, "optimal", optimal=design)


def test_a_grade_taken_with_certainty_needs_every_worse_grade_taken_too():
    with pytest.raises(ValueError, match="needs every worse grade"):
        OptimalDesign(certain=("C",))
    assert OptimalDesign(certain=("C", "D", "complaint")).certain == ("C", "D", "complaint")


def test_the_optimal_design_without_model_probabilities_is_refused():
    strata = np.array(["B"] * 4)
    allocation = allocate(strata, 2, POLICY)
    with pytest.raises(InfeasiblePlan, match="optimal design needs the model's probability"):
        draw_sample(strata, np.full(4, np.nan), allocation, "optimal", seed=0)


def _linprog_optimum(strata, risk, size, exploration, design):
    """The same LP through HiGHS: maximise risk @ s under the constraints of the module."""
    n = len(strata)
    c = exploration / (n - size) if n > size else 0.0
    floor = design.floor * (size + exploration) / n
    low = max(0.0, (floor - c) / (1 - c)) if c < 1 else 0.0
    bounds = [(1, 1) if s in design.certain else (low, 1) for s in strata]
    chain = [g for g in GRADES if g not in design.certain and (strata == g).any()]
    rows = []
    for worse, better in zip(chain[1:], chain, strict=False):
        row = np.zeros(n)
        row[strata == better] = 1 / (strata == better).sum()
        row[strata == worse] = -1 / (strata == worse).sum()
        rows.append(row)
    result = linprog(-risk, A_ub=rows or None, b_ub=[0] * len(rows) or None,
                     A_eq=[np.ones(n)], b_eq=[size], bounds=bounds, method="highs")  # fmt: skip
    return None if result.status != 0 else -result.fun


def test_the_solution_is_the_linear_programs_optimum_on_random_frames():
    # Risks with ties and, half the time, against the grades; floors, certain strata, budgets.
    rng = np.random.default_rng(2026)
    checked = 0
    for _ in range(400):
        n = int(rng.integers(2, 25))
        strata = rng.choice(np.array(STRATA), n, p=[0.3, 0.3, 0.2, 0.1, 0.1])
        risk = np.round(rng.uniform(0, 1, n), 1)
        if rng.random() < 0.5:
            base = {"A": 0.0, "B": 0.1, "C": 0.3, "D": 0.5, "complaint": 0.2}
            risk = np.round([base[s] for s in strata] + rng.uniform(0, 0.4, n), 1)
        exploration = int(rng.integers(0, n // 3 + 1))
        size = int(rng.integers(0, n - exploration + 1))
        certain = [(), ("D",), ("C", "D"), ("complaint",)][rng.integers(4)]
        design = OptimalDesign(floor=float(rng.choice([0, 0.2, 0.5, 1.0])), certain=certain)
        best = _linprog_optimum(strata, risk, size, exploration, design)
        if best is None:  # infeasible (certain strata beyond the budget): refused alike
            with pytest.raises(InfeasiblePlan):
                optimal_probabilities(strata, risk, graded=size, exploration=exploration,
                                      design=design)  # fmt: skip
            continue
        s = optimal_probabilities(strata, risk, graded=size, exploration=exploration,
                                  design=design)  # fmt: skip
        assert s.sum() == pytest.approx(size, abs=1e-9)
        assert risk @ s == pytest.approx(best, abs=1e-9)
        means = grade_means(strata, s, [g for g in GRADES if g not in certain])
        assert all(a <= b + 1e-12 for a, b in pairwise(means))
        checked += 1
    assert checked > 250  # the rest were infeasible, and refused


def test_no_single_swap_of_probability_improves_the_expected_violations():
    # Moving mass from a subject above its floor to a riskier one below 1, in the same grade
    # (so the grade means stay put), never helps: the riskier is already full or the other empty.
    strata, risk = frame(seed=3)
    allocation = allocate(strata, 25, POLICY)
    s = stratum_probabilities(strata, risk, allocation, "optimal")
    low = s.min()
    for grade in STRATA:
        members = np.flatnonzero(strata == grade)
        giver = members[s[members] > low + 1e-12]
        taker = members[s[members] < 1 - 1e-12]
        if len(giver) and len(taker):
            assert risk[taker].max() <= risk[giver].min() + 1e-12


@pytest.mark.parametrize("design", [OptimalDesign(), OptimalDesign(floor=0.5, certain=("D",))])
def test_each_subject_is_drawn_with_exactly_its_recorded_probability(design):
    # Over many seeded draws the share of draws holding a subject converges on pi_i; the
    # tolerance of 4.5 standard errors has the power to reject probabilities that are wrong.
    strata, risk = frame(sizes=(8, 6, 4, 3, 2))
    policy = POLICY.model_copy(update={"exploration_share": 0.3})
    allocation = allocate(strata, 10, policy)
    pi = inclusion_probabilities(strata, risk, allocation, "optimal", optimal=design)
    runs = 12_000
    hits = np.zeros(len(strata))
    for seed in range(runs):
        drawn = draw_sample(strata, risk, allocation, "optimal", seed, optimal=design)
        assert drawn.selected.sum() == 10
        hits += drawn.selected
    assert np.array_equal(drawn.inclusion_prob, pi)
    bound = 4.5 * np.sqrt(pi * (1 - pi) / runs) + 1e-12
    assert np.all(np.abs(hits / runs - pi) <= bound)
    # Power: the naive union s + (1 - s) m / N, the one mistake this draw invites, is rejected.
    naive = drawn.stratum_prob + (1 - drawn.stratum_prob) * allocation.exploration / len(strata)
    assert np.any(np.abs(hits / runs - naive) > bound)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 30), min_size=5, max_size=5),
    share=st.floats(0, 0.9),
    fraction=st.floats(0, 1),
    floor=st.floats(0, 1),
    seed=st.integers(0, 2**32),
)
def test_any_frame_and_budget_give_a_valid_optimal_draw(sizes, share, fraction, floor, seed):
    strata, risk = frame(seed % 7, tuple(sizes))
    if len(strata) == 0:
        return
    budget = int(fraction * len(strata))
    allocation = allocate(strata, budget, POLICY.model_copy(update={"exploration_share": share}))
    design = OptimalDesign(floor=floor)
    drawn = draw_sample(strata, risk, allocation, "optimal", seed, optimal=design)
    pi = drawn.inclusion_prob
    assert drawn.selected.sum() == budget
    assert drawn.explored.sum() == allocation.exploration
    assert np.all(pi <= 1 + 1e-12) and pi.sum() == pytest.approx(budget, abs=1e-6)
    assert np.all(pi >= floor * budget / len(strata) - 1e-9)
    assert np.all(pi[drawn.selected] > 0)
    means = grade_means(strata, pi)
    assert all(a <= b + 1e-9 for a, b in pairwise(means))


def test_due_subjects_are_taken_for_certain_on_top_of_the_optimal_draw():
    strata, risk = frame()
    due = np.zeros(len(strata), bool)
    due[::7] = True
    with_due = np.where(due, "due", strata)
    allocation = allocate(with_due, 20, POLICY)
    drawn = draw_sample(with_due, risk, allocation, "optimal", seed=5)
    alone = inclusion_probabilities(strata[~due], risk[~due], allocate(strata[~due], 20, POLICY),
                                    "optimal")  # fmt: skip
    assert drawn.selected[due].all() and (drawn.inclusion_prob[due] == 1).all()
    assert not drawn.explored[due].any()
    assert np.allclose(drawn.inclusion_prob[~due], alone, rtol=0, atol=1e-12)
    assert drawn.selected.sum() == 20 + due.sum()
