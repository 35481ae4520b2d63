"""Plans under the optimal design on the small synthetic city: drawn, verified, sealed, and
what they find against the simulator's truth; plans of the ratio designs unchanged."""

import json

import numpy as np
import pytest

from credit_scoring.errors import InfeasiblePlan
from credit_scoring.policies.sampling import SamplingPolicy, load_sampling_policy
from credit_scoring.supervision import create_plan, load_plan, verify_plan
from credit_scoring.supervision.commitment import commitment
from credit_scoring.synth.plan_truth import truth_comparison

from .conftest import AS_OF


def test_the_default_design_is_optimal_and_its_plan_verifies(store, city_grades):
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=4, grades=city_grades)
    assert plan.design == "optimal"
    assert plan.parameters["policy"]["optimal"] == {"floor": 0.2, "certain": []}
    frame, due = plan.frame, (plan.frame["stratum"] == "due").to_numpy()
    pi = frame["inclusion_prob"].to_numpy()
    assert pi.sum() == pytest.approx(len(plan.items), abs=1e-6)
    assert pi[~due].min() >= 0.2 * plan.budget / (~due).sum()
    means = frame[~due & frame["stratum"].isin(list("ABCD")).to_numpy()].groupby("stratum")[
        "inclusion_prob"].mean()  # fmt: skip
    assert means.is_monotonic_increasing, means
    result = verify_plan(store, plan.plan_id)
    assert result.ok, result.problems
    # Reweighting the draw (a subject's probability changed after the seal) is caught.
    store.con.execute("UPDATE plan_frame SET inclusion_prob = inclusion_prob * 0.5 "
                      "WHERE position = 2")  # fmt: skip
    assert "rerunning the draw" in " ".join(verify_plan(store, plan.plan_id).problems)


def test_plans_of_the_ratio_designs_seal_their_policy_as_before_and_verify(store, city_grades):
    # The optimal block is left out of the sealed policy under the other designs, so their
    # commitment is the one of before it existed; an old plan's policy (without it) loads.
    for design in ("stratified", "pps"):
        plan = create_plan(store, as_of=AS_OF, rate=0.05, seed=5, grades=city_grades,
                           design=design)  # fmt: skip
        assert "optimal" not in plan.parameters["policy"]
        stored = load_plan(store, plan.plan_id)
        policy = SamplingPolicy.model_validate(stored.parameters["policy"])
        assert json.loads(policy.model_dump_json()) == stored.parameters["policy"]
        assert verify_plan(store, plan.plan_id).ok
        frame = stored.frame
        assert commitment(plan.seed, stored.parameters, frame["uscc"], frame["stratum"],
                          frame["risk"]) == plan.commitment  # fmt: skip


def test_without_model_probabilities_the_default_draws_stratified(store, city_grades):
    grades = city_grades.assign(pd=np.nan)  # graded by the rule scorecard alone
    plan = create_plan(store, as_of=AS_OF, rate=0.05, seed=6, grades=grades, save=False)
    assert plan.design == "stratified"
    with pytest.raises(InfeasiblePlan, match="optimal design needs the model's probability"):
        create_plan(store, as_of=AS_OF, rate=0.05, seed=6, grades=grades, design="optimal")


def test_d_taken_with_certainty_is_in_every_plan_that_can_afford_it(store, city_grades):
    policy = load_sampling_policy()
    policy = policy.model_copy(update={"optimal": policy.optimal.model_copy(
        update={"certain": ("D",)})})  # fmt: skip
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=7, grades=city_grades, policy=policy)
    d = plan.frame["stratum"] == "D"
    assert d.any() and (plan.frame.loc[d, "inclusion_prob"] == 1).all()
    assert plan.frame.loc[d, "selected"].all()
    assert verify_plan(store, plan.plan_id).ok
    with pytest.raises(InfeasiblePlan, match="with certainty"):
        create_plan(store, as_of=AS_OF, budget=3, seed=7, grades=city_grades, policy=policy)


def test_the_optimal_plan_finds_more_true_violations_than_the_ratio_designs(store, city_grades,
                                                                             truth):  # fmt: skip
    # An unseen city (seed 11, 6,000 subjects) and a stand-in probability from the rule points,
    # not the model the design was chosen with; mandated inspections left out as in the
    # benchmark. Measured: stratified 1.69x, pps 1.94x, optimal 2.38x at 10%; the trained
    # model's figures on 20,000-subject cities are in benchmarks/RESULTS.md.
    policy = load_sampling_policy().model_copy(update={"mandated_frequency": {}})
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=1, grades=city_grades, policy=policy,
                       save=False)  # fmt: skip
    lift = {r["policy"]: r["lift"] for r in truth_comparison(plan, truth)["policies"]}
    assert lift["plan"] == lift["optimal"]
    assert lift["optimal"] > max(lift["stratified"], lift["pps"]) + 0.1
    assert lift["optimal"] >= 2.3, lift
