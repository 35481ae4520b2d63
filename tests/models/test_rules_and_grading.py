"""The rule scorecard and the grade policy on hand-made feature rows."""

import pickle

import numpy as np
import pandas as pd
import pytest

from credit_scoring.errors import ConfigError
from credit_scoring.models.grading import apply_policy, grade_by_probability
from credit_scoring.models.rules import RuleScorecard
from credit_scoring.policies import (
    RulePolicy,
    load_grading_policy,
    load_rule_policy,
    load_yaml_model,
    policy_path,
)


def _rows(**columns):
    """Feature rows: every feature the policies read is 0 unless given (a clean, old subject)."""
    names = set(load_rule_policy().features) | set(load_grading_policy().features)
    base = {name: 0.0 for name in names} | {"subject_age_days": 5000.0, "licences_active": 1.0}
    n = max((len(v) for v in columns.values()), default=1)
    return pd.DataFrame({k: columns.get(k, [v] * n) for k, v in base.items()})


def test_a_clean_subject_keeps_the_base_points_and_is_a():
    card = RuleScorecard()
    rows = _rows()
    assert card.points(rows).tolist() == [100.0]
    assert card.grades(rows).tolist() == ["A"]


def test_deductions_are_per_unit_and_capped_per_rule():
    card = RuleScorecard()
    rows = _rows(penalty_general_count_365d=[1, 2, 10])  # −8 each, at most −24
    assert card.points(rows).tolist() == [92.0, 84.0, 76.0]
    assert card.grades(rows).tolist() == ["A", "B", "B"]


def _rule_grade(rows):
    """The rule scorecard's grade under the grade policy, as when the rules are authoritative."""
    card = RuleScorecard()
    return apply_policy(rows, card.grades(rows), load_grading_policy())[0].tolist()


def test_the_black_list_decides_d_whatever_the_points():
    rows = _rows(on_black_list=[1], on_red_list=[1])
    assert RuleScorecard().grades(rows).tolist() == ["A"]  # the points alone
    assert _rule_grade(rows) == ["D"]


@pytest.mark.parametrize(
    ("feature", "value", "grade"),
    [("on_key_attention_list", 1, "C"), ("penalty_serious_count_1095d", 1, "C"),
     ("penalty_licence_action_count_1095d", 1, "C"), ("subject_age_days", 400, "B"),
     ("subject_age_days", np.nan, "B")],
)  # fmt: skip
def test_the_grade_policy_caps_the_rule_grade(feature, value, grade):
    rows = _rows(**{feature: [value]})  # otherwise a clean subject with 100 points: an A
    assert _rule_grade(rows) == [grade]


def test_the_rule_policy_holds_no_override_of_its_own(tmp_path):
    # Each legal override is written once, in grading.yaml; rules.yaml has points and bands.
    path = tmp_path / "rules.yaml"
    text = policy_path("rules.yaml").read_text(encoding="utf-8")
    path.write_text(text + "decide:\n  - {code: D01, feature: on_black_list, at_least: 1, "
                    "grade: D}\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match="decide"):
        load_yaml_model(path, RulePolicy)


def test_more_adverse_records_never_give_a_better_grade():
    card = RuleScorecard()
    adverse = [r.feature for r in load_rule_policy().rules if r.points < 0]
    rng = np.random.default_rng(0)
    rows = _rows(**{f: rng.integers(0, 3, 300).astype(float).tolist() for f in adverse})
    before = card.grades(rows)
    for feature in adverse:
        worse = rows.assign(**{feature: rows[feature] + 1})
        assert (card.grades(worse) >= before).all(), feature


def test_explain_lists_the_largest_deductions_first():
    rows = _rows(penalty_serious_count_1095d=[1], complaints_substantiated_count_365d=[2])
    [reasons] = RuleScorecard().explain(rows)
    assert [(r["code"], r["contribution"]) for r in reasons] == [("R01", 30.0), ("R07", 4.0)]


def test_fit_calibrates_a_probability_that_falls_with_points():
    rows = _rows(penalty_general_count_365d=[0, 0, 1, 2, 3, 3, 0, 3])
    labels = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    card = RuleScorecard().fit(rows, labels)
    probability = card.predict_proba(rows)[:, 1]
    order = np.argsort(card.points(rows).to_numpy())
    assert (np.diff(probability[order]) <= 1e-12).all()
    assert np.allclose(
        pickle.loads(pickle.dumps(card)).predict_proba(rows), card.predict_proba(rows)
    )


def test_probability_cutoffs_band_the_grade():
    policy = load_grading_policy()
    cut = policy.probability_cutoffs
    grades = grade_by_probability(np.array([0.0, cut["A"], cut["A"] + 1e-9, 0.5]), policy)
    assert grades.tolist() == ["A", "A", "B", "D"]


def test_overrides_bind_and_are_listed_only_where_they_changed_the_grade():
    policy = load_grading_policy()
    rows = _rows(on_black_list=[1, 0, 0], on_key_attention_list=[0, 1, 1],
                 licences_active=[1, 1, 1])  # fmt: skip
    grades, applied = apply_policy(rows, pd.Series(["A", "A", "D"]), policy)
    assert grades.tolist() == ["D", "C", "D"]
    assert applied.tolist() == [["O01"], ["O04"], []]


def test_without_evidence_a_subject_cannot_be_a():
    rows = _rows(licences_active=[0])
    grades, applied = apply_policy(rows, pd.Series(["A"]), load_grading_policy())
    assert (grades.tolist(), applied.tolist()) == (["B"], [["EVIDENCE"]])
