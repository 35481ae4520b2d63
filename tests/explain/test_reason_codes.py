"""Reason codes point at the records behind them; one subject on demand equals the batch."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from credit_scoring.explain import EXPLANATION_COLUMNS, explanation_from_row, explanation_table
from credit_scoring.features import load_catalog
from credit_scoring.features.engine import provenance
from credit_scoring.grading import Grader
from credit_scoring.models.tracking import Tracking
from credit_scoring.models.training import train
from credit_scoring.policies import load_grading_policy, load_rule_policy
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

AS_OF = dt.date(2026, 9, 30)
TABLES = {"penalties", "commitments", "complaints", "inspections", "list_entries", "licences"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explain")
    city = generate_city(folder / "files", n_subjects=4000, seed=21, end=AS_OF)
    store = Store(folder / "credit.duckdb")
    ingest_directory(store, city.out_dir)
    tracking = Tracking(folder / "mlruns")
    train(store, as_of=AS_OF, tracking=tracking, seed=0, origins=2)
    _, bundle = tracking.champion("credit-grade")
    catalog, policy = load_catalog().risk_features(), load_grading_policy()
    explained = _explained(store, Grader(catalog, policy, bundle, "test"))
    yield store, catalog, policy, bundle, {e.uscc: e for e in explained}
    store.close()


def _explained(store, grader):
    """Every subject explained in batch, as Explanation objects."""
    features = grader.features(store, as_of=AS_OF)
    table = grader.explain_table(store, features, grader.grade(features), as_of=AS_OF)
    return [explanation_from_row(row) for row in table.to_dict("records")]


def test_every_reason_points_at_records_the_feature_counted(graded):
    store, catalog, _, _, explained = graded
    checked = 0
    for e in [e for e in explained.values() if e.grade in "CD"][:60]:
        for reason in e.reasons + e.overrides:
            if not reason.feature or catalog[reason.feature].source == "subjects":
                continue
            counted = provenance(store, e.uscc, catalog[reason.feature], as_of=AS_OF)
            assert reason.record_ids == counted, (e.uscc, reason.code)
            source = catalog[reason.feature].source
            for record_id in reason.record_ids:
                [(owner,)] = store.con.execute(
                    f"SELECT uscc FROM {source} WHERE record_id = ?", [record_id]
                ).fetchall()
                assert owner == e.uscc
                checked += 1
    assert checked > 20


def test_reasons_are_adverse_largest_first_and_at_most_four(graded):
    *_, explained = graded
    for e in explained.values():
        weights = [r.contribution for r in e.reasons]
        assert len(weights) <= 4 and all(w > 0 for w in weights)
        assert weights == sorted(weights, reverse=True)
        assert all(r.contribution < 0 for r in e.positives)


def test_an_override_is_a_reason_with_the_list_entry_behind_it(graded):
    *_, explained = graded
    black = [e for e in explained.values() if any(r.code == "O01" for r in e.overrides)]
    assert black, "the city should hold black-listed subjects"
    for e in black:
        assert e.grade == "D"
        [reason] = [r for r in e.overrides if r.code == "O01"]
        assert reason.text_zh == "列入严重失信主体名单"
        assert reason.record_ids and all(r.startswith("MD") for r in reason.record_ids)


@pytest.mark.parametrize("source", ["gbm", "scorecard", "rules"])
def test_one_subject_on_demand_equals_the_batch(graded, source):
    store, catalog, policy, bundle, _ = graded
    grader = Grader(catalog, policy.model_copy(update={"authoritative": source}), bundle, "test")
    batch = _explained(store, grader)
    # Every D and C subject (the ones with reasons and overrides), and a sample of the rest.
    chosen = [e for e in batch if e.grade in "CD"][:60] + batch[:: max(len(batch) // 40, 1)]
    assert sum(bool(e.reasons) for e in chosen) > 30
    for expected in chosen:
        assert grader.explain(store, expected.uscc, as_of=AS_OF) == expected


def test_grading_columns_equals_grading_the_frame(graded):
    """The one-subject path hands the scorers plain arrays, not a DataFrame: same grades."""
    store, catalog, policy, bundle, _ = graded
    for source in ("gbm", "scorecard", "rules"):
        grader = Grader(catalog, policy.model_copy(update={"authoritative": source}), bundle)
        features = grader.features(store, as_of=AS_OF)
        columns = {name: features[name].to_numpy(dtype=object) if features[name].dtype == "category"
                   else features[name].to_numpy() for name in features.columns}  # fmt: skip
        pd.testing.assert_frame_equal(
            pd.DataFrame(grader.grade_columns(columns)), grader.grade(features)
        )


def test_the_explanation_table_round_trips_every_explanation(graded):
    *_, explained = graded
    table = explanation_table(explained.values())
    assert table.columns.tolist() == EXPLANATION_COLUMNS
    assert len(table) == len(explained)
    for row in table.to_dict("records"):
        assert explanation_from_row(row) == explained[row["uscc"]]


@pytest.mark.parametrize("source", ["gbm", "scorecard", "rules"])
def test_every_reason_is_in_points_that_add_up_to_the_score(graded, source):
    """One unit for every scorer: what a reason moved the score, on the grade's own scale."""
    from credit_scoring.explain.reason_codes import _contributions, _points_per_unit
    from credit_scoring.models.scoring import POINTS_PER_LOG_ODDS, probability_points

    store, catalog, policy, bundle, _ = graded
    grader = Grader(catalog, policy.model_copy(update={"authoritative": source}), bundle)
    features = grader.features(store, as_of=AS_OF).head(300)
    grades = grader.grade(features)
    unit = _points_per_unit(source, bundle)
    _, contributions = _contributions(features, source, bundle)
    moved = -contributions.sum(axis=1) * unit
    if source == "gbm":
        calibrator = bundle.gbm_.calibrator_
        assert unit == pytest.approx(calibrator.slope_ * POINTS_PER_LOG_ODDS)
        base = probability_points(calibrator.predict(np.array([bundle.gbm_.base_value_])))[0]
    elif source == "rules":
        base = load_rule_policy().base_points
    else:
        base = bundle.scorecard_.base_value_
    scores = grades["score"].to_numpy()
    assert np.abs(base + moved - scores).max() < 0.11  # the score is kept to one decimal
    table = grader.explain_table(store, features, grades, as_of=AS_OF)
    for reasons in table["reasons"].head(100):
        for reason in json.loads(reasons):
            assert reason["points"] == pytest.approx(-reason["contribution"] * unit, abs=0.051)
            assert reason["points"] <= 0  # an adverse reason lowers the score


def test_reasons_and_factors_read_in_chinese_and_positives_are_in_the_subjects_favour(graded):
    _, catalog, _, _, explained = graded
    for e in explained.values():
        for factor in e.positives:
            feature = catalog[factor.feature]
            if feature.direction == "risk":
                assert not factor.value, (e.uscc, factor.text_zh)  # no complaint is a plus
            elif feature.direction == "safe":
                assert factor.value, (e.uscc, factor.text_zh)
        for line in e.reasons + e.positives:
            assert "_" not in line.text_zh and "none" not in line.text_zh, line.text_zh
    kinds = [r.text_zh for e in explained.values() for r in e.positives + e.reasons
             if r.feature == "subject_type"]  # fmt: skip
    assert kinds and all(text.split("：")[1] in {"企业", "个体工商户", "社会组织", "事业单位"}
                         for text in kinds)  # fmt: skip
