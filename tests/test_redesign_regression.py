"""The demo city graded, explained and planned as before the one-grading-path redesign.

The fixtures under ``tests/data/demo_before_redesign/`` were captured with the code of commit
12c22aa (before issue 12): the demo at 3,000 subjects, seed 0, its snapshot tables as of the
city's end and the plan the demo draws. The same run through today's code gives the same
tables — strings and grades exactly, floats to 1e-9 (LightGBM is deterministic here, but a
different CPU may round its last bit differently) — except for deliberate changes, each
asserted below: the legal overrides are written once, in the grade policy, and bind every
scorer's second opinion alike (issue 12); a reason cites exactly the records behind its value
(issue 13), so its records may be fewer, never others, and its ranking is unchanged.
"""

import functools
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from credit_scoring.demo import DEMO_END, run_demo
from credit_scoring.grading import Grader
from credit_scoring.models import GBM, Scorecard
from credit_scoring.policies import GRADES
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.records.store import Store
from credit_scoring.snapshots import build_snapshot
from credit_scoring.supervision import create_plan
from credit_scoring.supervision.commitment import commitment

BEFORE = Path(__file__).parent / "data" / "demo_before_redesign"
# The second opinions, and the disagreement flag computed from them (see the tests below).
OPINIONS = ["rules_grade", "second_opinion", "disagreement"]
REASONS = ["reasons", "positives"]  # their records and texts (see the tests below)


@pytest.fixture(scope="module")
def demo_now(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo-now")
    # The GBM of 12c22aa had one capacity; today's chooses one for its data (issue 18), which on
    # this small city is another. Fixed at that capacity it is the model it was. The scorecard
    # then binned free columns monotone and left out columns under IV 0.02 (its defaults now
    # follow optbinning's, issue 18); with those settings it is the card it was.
    gbm_before = functools.partial(
        GBM, num_leaves=15, min_child_samples=50, learning_rate=0.05, extra_trees=False
    )
    scorecard_before = functools.partial(
        Scorecard, min_iv=0.02, binning_params={"monotonic_trend": "auto_asc_desc"}
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("credit_scoring.models.bundle.GBM", gbm_before)
        patch.setattr("credit_scoring.models.bundle.Scorecard", scorecard_before)
        result = run_demo(work, n_subjects=3000, seed=0)
    with Store(result.db, read_only=True) as store:
        built = build_snapshot(store, as_of=DEMO_END, grader=Grader.load(store))
        features = Grader.load(store).features(store, as_of=DEMO_END)
    return result, built, features


def _before(name: str) -> pd.DataFrame:
    return pq.read_table(BEFORE / f"{name}.parquet").to_pandas()


def _same(now: pd.DataFrame, before: pd.DataFrame, *, apart_from: list[str] = ()) -> None:
    assert list(now.columns) == list(before.columns)
    kept = [c for c in before.columns if c not in apart_from]
    pd.testing.assert_frame_equal(
        now[kept].reset_index(drop=True), before[kept].reset_index(drop=True),
        check_dtype=False, check_exact=False, rtol=0, atol=1e-9,
    )  # fmt: skip


def test_grades_scores_and_overrides_are_those_before_the_redesign(demo_now):
    _, built, _ = demo_now
    now = built.tables["grades"]
    _same(now, _before("grades"), apart_from=OPINIONS)


def test_the_rule_opinion_differs_only_where_the_licence_override_now_binds_it(demo_now):
    # rules.yaml capped the rule grade for four of the grade policy's five overrides; the
    # licence-action one (O03) was missing there. Written once, it now caps the rules too.
    _, built, features = demo_now
    now, before = built.tables["grades"], _before("grades")
    changed = (now["rules_grade"] != before["rules_grade"]).to_numpy()
    licence_action = features["penalty_licence_action_count_1095d"].to_numpy() >= 1
    assert changed.sum() > 0
    assert licence_action[changed].all()
    assert set(before["rules_grade"][changed]) <= {"A", "B"}
    assert set(now["rules_grade"][changed]) == {"C"}


def test_explanations_are_those_before_the_redesign(demo_now):
    _, built, _ = demo_now
    _same(built.tables["explanations"], _before("explanations"), apart_from=OPINIONS + REASONS)


def test_reasons_rank_the_same_features_and_cite_only_records_they_cited_before(demo_now):
    _, built, _ = demo_now
    now, before = built.tables["explanations"], _before("explanations")
    fewer = 0
    for new, old in zip(now["reasons"], before["reasons"], strict=True):
        new, old = json.loads(new), json.loads(old)
        assert [r["code"] for r in new] == [r["code"] for r in old]
        for reason, earlier in zip(new, old, strict=True):
            assert set(reason["record_ids"]) <= set(earlier["record_ids"])
            fewer += len(reason["record_ids"]) < len(earlier["record_ids"])
    assert fewer > 0  # fines totals no longer cite penalties without a fine


def test_second_opinions_only_move_to_what_the_overrides_impose(demo_now):
    # A learned scorer's opinion used to ignore the black list and the other overrides; now
    # each is capped as the grade is, so an opinion can only get worse, never better, and a
    # grade set by law is no longer flagged as a disagreement.
    _, built, _ = demo_now
    now, before = built.tables["explanations"], _before("explanations")
    rank = {g: i for i, g in enumerate(GRADES)}
    moved = 0
    for new, old in zip(now["second_opinion"], before["second_opinion"], strict=True):
        new, old = json.loads(new), json.loads(old)
        assert new.keys() == old.keys()
        assert all(rank[new[k]] >= rank[old[k]] for k in new)
        moved += new != old
    assert moved > 0
    flagged_now, flagged_before = now["disagreement"].to_numpy(), before["disagreement"].to_numpy()
    assert not (flagged_now & ~flagged_before).any()
    assert np.count_nonzero(flagged_before & ~flagged_now) > 0


def _random_only_plan(demo_now):
    # Mandated inspections (issue 13) come on top of the random draw; without a domain that
    # mandates a minimum, the draw is the one of before.
    result, _, _ = demo_now
    policy = load_sampling_policy()
    policy = policy.model_copy(update={"mandated_frequency": {}, "design": "stratified"})
    with Store(result.db, read_only=True) as store:
        return create_plan(store, as_of=DEMO_END, seed=result.plan.seed, policy=policy,
                           grader=Grader.load(store), save=False)  # fmt: skip


def test_the_random_draw_is_the_one_drawn_before_the_redesign(demo_now):
    # The plan now also carries the subject's address and domain, the date a mandated
    # inspection is due and the inspectors' names (issue 13); the columns of before are equal.
    plan = _random_only_plan(demo_now)
    before_items, before_frame = _before("plan_items"), _before("plan_frame")
    assert set(plan.items.columns) - set(before_items.columns) == {
        "address", "domains", "due_by", "inspector_names"}  # fmt: skip
    assert set(plan.frame.columns) - set(before_frame.columns) == {"domains", "due_by"}
    _same(plan.items[before_items.columns], before_items)
    _same(plan.frame[before_frame.columns], before_frame)
    assert plan.frame["due_by"].isna().all()


def test_the_plan_seals_the_same_inputs_but_for_the_sampling_policy_text(demo_now):
    # The commitment seals the sampling policy, whose minimum frequencies now belong to the
    # domains that mandate them and which lists each domain's 抽查事项 (issue 13). Sealed with the
    # policy text of before, the plan's inputs give the commitment of before to the bit.
    plan = _random_only_plan(demo_now)
    parameters = json.loads(json.dumps(plan.parameters))
    policy = {k: v for k, v in parameters["policy"].items() if k != "checklists"}
    before = {("minimum_frequency" if k == "mandated_frequency" else k):
              ({"A": 0.5, "B": 1.0, "C": 2.0, "D": 3.0} if k == "mandated_frequency" else v)
              for k, v in policy.items()}  # fmt: skip
    text = json.dumps(before, separators=(",", ":"), ensure_ascii=False)
    parameters |= {"policy": before, "policy_digest": hashlib.sha256(text.encode()).hexdigest()}
    assert parameters["stratum_sizes"].pop("due") == 0
    frame = plan.frame
    sealed = commitment(plan.seed, parameters, frame["uscc"], frame["stratum"], frame["risk"])
    assert sealed == (BEFORE / "plan_commitment.txt").read_text("utf-8")
    assert plan.commitment != sealed


def test_the_demo_plan_takes_the_due_subjects_on_top_of_the_random_draw(demo_now):
    result, _, _ = demo_now
    plan = result.plan
    due = plan.items["stratum"] == "due"
    assert due.sum() > 0 and (plan.items.loc[due, "inclusion_prob"] == 1).all()
    assert plan.items.loc[due, "domains"].str.contains("catering|market").all()
    assert len(plan.items) == plan.budget + due.sum()
