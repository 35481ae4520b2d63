"""Plans on a small synthetic city: drawn, stored, verified, scoped, staffed, tampered with."""

import numpy as np
import pandas as pd
import pytest

from credit_scoring.errors import PlanNotFound
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.supervision import create_plan, list_plans, load_plan, verify_plan
from credit_scoring.supervision.frame import build_frame

from .conftest import AS_OF


def test_a_plan_is_drawn_stored_and_verifies(store, city_grades):
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=1, grades=city_grades)
    due = plan.frame["stratum"] == "due"
    # The rate is of the random draw; every subject due for a mandated inspection comes on top.
    assert plan.budget == round(0.1 * (~due).sum())
    assert len(plan.items) == plan.budget + due.sum() == plan.budget + plan.summary()["mandated"]
    assert plan.items["uscc"].is_unique
    assert plan.frame["inclusion_prob"].sum() == pytest.approx(len(plan.items), abs=1e-6)
    # A random inspection is only drawn if it can be staffed; a mandated one is taken anyway
    # and waits for inspectors when the department's few have all recused (2 per department).
    assigned = plan.items["assignment"] == "assigned"
    assert assigned[plan.items["stratum"] != "due"].all()
    assert 0 < (~assigned).sum() < due.sum()
    assert plan.items.loc[~assigned, "inspectors"].isna().all()
    assert plan.items.loc[assigned, "inspectors"].str.split(";").map(len).eq(2).all()
    names = plan.items.loc[assigned, "inspector_names"].str.split(";")
    assert names.map(len).eq(2).all() and names.map(lambda n: all(n)).all()
    result = verify_plan(store, plan.plan_id)
    assert result.ok, result.problems
    stored = load_plan(store, plan.plan_id)
    pd.testing.assert_frame_equal(stored.items.reset_index(drop=True),
                                  plan.items.sort_values("uscc").reset_index(drop=True),
                                  check_dtype=False)  # fmt: skip
    assert [p["plan_id"] for p in list_plans(store)] == [plan.plan_id]


def test_the_same_seed_gives_the_same_plan_and_another_seed_another(store, city_grades):
    first = create_plan(store, as_of=AS_OF, budget=200, seed=7, grades=city_grades, save=False)
    again = create_plan(store, as_of=AS_OF, budget=200, seed=7, grades=city_grades, save=False)
    other = create_plan(store, as_of=AS_OF, budget=200, seed=8, grades=city_grades, save=False)
    assert first.commitment == again.commitment
    pd.testing.assert_frame_equal(first.items, again.items)
    assert first.commitment != other.commitment
    assert set(first.items["uscc"]) != set(other.items["uscc"])


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE plan_frame SET risk = risk + 0.01 WHERE position = 3", "commitment"),
        ("UPDATE plans SET seed = seed + 1", "commitment"),
        ("UPDATE plan_frame SET stratum = 'D' WHERE position = 5", "commitment"),
        ("UPDATE plan_frame SET selected = NOT selected WHERE position = 0", "draw"),
        ("UPDATE plan_items SET inspectors = 'ZF0000001;ZF0000002' WHERE uscc = "
         "(SELECT min(uscc) FROM plan_items)", "inspector assignment"),
        ("UPDATE plan_inspectors SET conflicts = 'X' WHERE inspector_id = "
         "(SELECT min(inspector_id) FROM plan_inspectors)", "inspector pool"),
    ],
)  # fmt: skip
def test_any_change_to_a_stored_plan_fails_verification(store, city_grades, statement, problem):
    plan = create_plan(store, as_of=AS_OF, rate=0.05, seed=3, grades=city_grades)
    store.con.execute(statement)
    result = verify_plan(store, plan.plan_id)
    assert not result.ok
    assert any(problem in p for p in result.problems), result.problems


def test_a_pps_plan_verifies_and_draws_riskier_subjects(store, city_grades):
    graded = create_plan(store, as_of=AS_OF, rate=0.1, seed=2, grades=city_grades,
                         design="stratified")  # fmt: skip
    pps = create_plan(store, as_of=AS_OF, rate=0.1, seed=2, grades=city_grades, design="pps")
    assert verify_plan(store, pps.plan_id).ok
    assert pps.expected_lift > graded.expected_lift > 1


def test_the_frame_keeps_only_subjects_the_rules_allow(store, city_grades):
    policy = load_sampling_policy()
    frame = build_frame(store, city_grades, policy, as_of=AS_OF)
    eligible = frame.eligible
    rules = policy.eligibility
    complaint = eligible["fresh_complaint"]
    days = (pd.Timestamp(AS_OF) - pd.to_datetime(eligible["last_inspection"])).dt.days
    due = eligible["stratum"] == "due"
    # A mandated inspection overrides the cap and the gap; every other subject obeys both.
    assert (eligible.loc[~due, "inspections_365d"] < rules.annual_cap).all()
    assert ((days >= rules.min_gap_days) | days.isna() | complaint)[~due].all()
    assert (pd.to_datetime(eligible.loc[due, "due_by"]) <= pd.Timestamp(AS_OF) + pd.Timedelta(
        days=policy.period_days)).all()  # fmt: skip
    mandated = "|".join(policy.mandated_frequency)
    assert due.any() and eligible.loc[due, "domains"].map(";".join).str.contains(mandated).all()
    assert eligible.loc[~due, "due_by"].isna().sum() > 0
    assert (eligible.loc[complaint & ~due, "stratum"] == "complaint").all()
    assert complaint.any() and (complaint & (days < rules.min_gap_days)).any()
    assert len(eligible) + sum(frame.excluded.values()) == frame.in_scope
    assert eligible["uscc"].is_monotonic_increasing and eligible["uscc"].is_unique


def test_a_department_plan_covers_only_that_department(store, city_grades):
    name = "宁波市鄞州区综合行政执法局"
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=4, grades=city_grades, department=name)
    assert (plan.items["department"] == name).all() and len(plan.items) > 0
    with pytest.raises(ValueError, match="not in the sampling policy"):
        create_plan(store, as_of=AS_OF, rate=0.1, seed=4, grades=city_grades, department="某局")


def test_without_inspectors_in_the_store_the_plan_waits_for_assignment(store, city_grades):
    name = "宁波市海曙区综合行政执法局"
    store.con.execute("DELETE FROM inspectors WHERE department = ?", [name])
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=5, grades=city_grades)
    waiting = plan.items["department"] == name
    assert waiting.any()
    assert (plan.items.loc[waiting, "assignment"] == "pending").all()
    assert plan.items.loc[waiting, "inspectors"].isna().all()
    random = plan.items["stratum"] != "due"
    assert (plan.items.loc[~waiting & random, "assignment"] == "assigned").all()
    assert verify_plan(store, plan.plan_id).ok


def test_the_policy_departments_match_the_synthetic_citys(store):
    # The city's own 双随机 inspections carry the department the simulator assigned.
    from credit_scoring.supervision.frame import Scope, subjects_in_scope, supervising_departments

    subjects = subjects_in_scope(store, AS_OF, Scope())
    subjects["ours"] = supervising_departments(subjects, load_sampling_policy())
    recorded = store.con.execute(
        "SELECT DISTINCT uscc, department FROM inspections WHERE random_sample"
    ).df()
    joined = recorded.merge(subjects, on="uscc")
    assert len(joined) > 100
    assert (joined["department"] == joined["ours"]).mean() == 1.0


def test_an_unknown_plan_is_not_found(store):
    with pytest.raises(PlanNotFound, match="no inspection plan 'P1'"):
        verify_plan(store, "P1")


def test_a_budget_beyond_the_eligible_subjects_names_what_was_left_out(store, city_grades):
    with pytest.raises(Exception, match=r"budget of 100000 .* left out of \d+ in scope: \{"):
        create_plan(store, as_of=AS_OF, budget=100_000, seed=1, grades=city_grades)


def test_the_default_budget_follows_the_policy_rates(store, city_grades):
    plan = create_plan(store, as_of=AS_OF, seed=1, grades=city_grades, save=False)
    drawable = (plan.frame["stratum"] != "due").sum()
    yearly = plan.budget * 4 / drawable  # four plans a year
    assert 0.02 < yearly < 0.08
    assert np.isclose(plan.frame["inclusion_prob"].sum(), len(plan.items))
