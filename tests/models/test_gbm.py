"""The gradient-boosted scorer: as good as a tuned LightGBM, deterministic, its capacity chosen for
the data, calibrated, explained by TreeSHAP.

LightGBM runs on one thread in these tests: its threads stall when another process shares the
cores (see NOTES.md), and the suite must stay quick on a busy two-core machine.
"""

import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from credit_scoring.models import GBM

from .datasets import CREDIT_DIRECTIONS, Split, credit_table, split

GRID = [
    {"num_leaves": leaves, "learning_rate": rate, "min_child_samples": child}
    for leaves in (7, 15, 31)
    for rate in (0.03, 0.1)
    for child in (10, 50)
]


def tuned_lightgbm_auc(data: Split) -> float:
    """Test AUC of the LGBMClassifier that did best on a validation split, over GRID."""

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        for column in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[column]):
                frame[column] = frame[column].astype("category")
        frame.columns = [f"c{i}" for i in range(frame.shape[1])]  # LightGBM-safe names
        return frame

    X_fit, X_val, y_fit, y_val = train_test_split(
        prepare(data.X_train), data.y_train, test_size=0.2, stratify=data.y_train, random_state=1
    )
    best_auc, best_model = -1.0, None
    for params in GRID:
        model = lgb.LGBMClassifier(
            n_estimators=2000, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
            n_jobs=1, verbose=-1, random_state=0, **params,
        )  # fmt: skip
        model.fit(
            X_fit,
            y_fit,
            eval_X=(X_val,),
            eval_y=(y_val,),
            callbacks=[lgb.early_stopping(50, verbose=False)],
        )
        auc = roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])
        if auc > best_auc:
            best_auc, best_model = auc, model
    assert best_model is not None
    return float(roc_auc_score(data.y_test, best_model.predict_proba(prepare(data.X_test))[:, 1]))


@pytest.fixture(scope="module")
def fitted(credit_split, cancer_split):
    """Default GBM per dataset (the monotone directions on the credit table)."""
    return {
        "credit_split": GBM(monotone=CREDIT_DIRECTIONS, n_jobs=1, random_state=0).fit(
            credit_split.X_train, credit_split.y_train
        ),
        "cancer_split": GBM(n_jobs=1, random_state=0).fit(
            cancer_split.X_train, cancer_split.y_train
        ),
    }


@pytest.mark.parametrize("dataset", ["credit_split", "cancer_split"])
def test_ranks_unseen_rows_as_well_as_a_tuned_lightgbm(dataset, fitted, request):
    data = request.getfixturevalue(dataset)
    ours = roc_auc_score(data.y_test, fitted[dataset].predict_proba(data.X_test)[:, 1])
    baseline = tuned_lightgbm_auc(data)
    print(f"{dataset}: GBM AUC {ours:.4f}, tuned LightGBM {baseline:.4f}")
    assert ours >= baseline - 0.01


@pytest.mark.parametrize("dataset", ["credit_split", "cancer_split"])
def test_calibration_does_not_hurt_and_matches_the_base_rate(dataset, fitted, request):
    data, model = request.getfixturevalue(dataset), fitted[dataset]
    calibrated = model.predict_proba(data.X_test)[:, 1]
    raw = expit(model.decision_function(data.X_test))
    before, after = brier_score_loss(data.y_test, raw), brier_score_loss(data.y_test, calibrated)
    print(f"{dataset}: Brier {before:.5f} uncalibrated, {after:.5f} calibrated")
    assert after <= before + 0.002
    # Calibration in the large: the mean probability within three standard errors of the observed
    # rate, the error of a calibrated model's mean being sqrt(sum p(1-p)) / n (0.005 on the
    # 6,000 credit rows, 0.014 on the 171 cancer rows).
    standard_error = np.sqrt(np.sum(calibrated * (1 - calibrated))) / len(calibrated)
    assert abs(calibrated.mean() - data.y_test.mean()) <= 3 * standard_error


def test_isotonic_calibration_is_available(small_credit):
    model = GBM(calibration="isotonic", n_jobs=1, random_state=0)
    model.fit(small_credit.X_train, small_credit.y_train)
    proba = model.predict_proba(small_credit.X_test)[:, 1]
    assert abs(proba.mean() - small_credit.y_test.mean()) <= 0.03


def test_contributions_are_treeshap_values(fitted, credit_split):
    model, sample = fitted["credit_split"], credit_split.X_test.head(200)
    with warnings.catch_warnings():
        # shap warns on import (matplotlib deprecations) and misleadingly on every call
        warnings.simplefilter("ignore")
        import shap

        explainer = shap.TreeExplainer(model.booster_)
        expected = np.asarray(explainer.shap_values(model._matrix(sample)))
    np.testing.assert_allclose(model.contributions(sample).to_numpy(), expected, atol=1e-6)
    assert model.base_value_ == pytest.approx(float(np.ravel(explainer.expected_value)[0]))


def test_many_rows_are_explained_tree_by_tree_exactly(fitted, credit_split):
    # Given over a thousand rows (the tree-by-tree path), among them rows lying exactly on, just
    # below and just above split thresholds, missing values and zeros
    model = fitted["credit_split"]
    rows = pd.concat([credit_split.X_test] * (1 + 1000 // len(credit_split.X_test)))
    matrix = model._matrix(rows)
    splits = model.booster_.trees_to_dataframe()
    splits = splits[splits["decision_type"] == "<="]
    rng = np.random.default_rng(0)
    edges = []
    for name, threshold in splits[["split_feature", "threshold"]].itertuples(index=False):
        row = matrix[rng.integers(len(matrix))].copy()
        row[int(name[1:])] = threshold + rng.choice([-1e-12, 0.0, 1e-12, np.nan, 0.0 * threshold])
        edges.append(row)
    matrix = np.vstack([matrix, np.asarray(edges)])
    assert len(matrix) >= 1000
    # When they are explained, Then the values are LightGBM's TreeSHAP on the whole model
    expected = model.booster_.predict(matrix, pred_contrib=True)
    np.testing.assert_allclose(model._contrib_matrix(matrix), expected, rtol=0, atol=1e-12)


def test_contributions_add_up_to_the_margin(fitted, credit_split):
    model, rows = fitted["credit_split"], credit_split.X_test
    total = model.base_value_ + model.contributions(rows).sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, model.decision_function(rows), atol=1e-6)


def test_identical_rows_get_identical_explanations(fitted, credit_split):
    model = fitted["credit_split"]
    rows = pd.concat([credit_split.X_test.head(3)] * 2)
    values = model.contributions(rows).to_numpy()
    np.testing.assert_array_equal(values[:3], values[3:])


def test_eval_set_stops_and_calibrates_on_the_later_window(small_credit):
    # A later window where adverse outcomes are twice as common: calibration must follow it.
    test = small_credit.X_test.assign(_y=small_credit.y_test)
    later = pd.concat(
        [test[test["_y"] == 1], test[test["_y"] == 0].sample(frac=0.4, random_state=0)]
    )
    model = GBM(n_jobs=1, random_state=0).fit(
        small_credit.X_train, small_credit.y_train, eval_set=(later.drop(columns="_y"), later["_y"])
    )
    proba = model.predict_proba(later.drop(columns="_y"))[:, 1]
    assert later["_y"].mean() > 1.5 * small_credit.y_train.mean()
    assert abs(proba.mean() - later["_y"].mean()) <= 0.02


def test_useless_columns_get_no_importance(fitted):
    model = fitted["credit_split"]
    importance = pd.Series(model.feature_importances_, index=model.feature_names_in_)
    assert importance.sum() == pytest.approx(1.0)
    assert importance[["constant", "all_missing"]].eq(0).all()
    assert importance.idxmax() in CREDIT_DIRECTIONS


def test_the_same_seed_gives_the_same_model(small_credit):
    first = GBM(n_jobs=1, random_state=7).fit(small_credit.X_train, small_credit.y_train)
    again = GBM(n_jobs=1, random_state=7).fit(small_credit.X_train, small_credit.y_train)
    np.testing.assert_array_equal(
        first.predict_proba(small_credit.X_test), again.predict_proba(small_credit.X_test)
    )
    unseeded = GBM(n_jobs=1, random_state=None).fit(small_credit.X_train, small_credit.y_train)
    assert isinstance(unseeded.seed_, int)  # recorded, so the model can be rebuilt


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fitting_twice_with_the_defaults_gives_the_same_model_bit_for_bit(small_credit, n_jobs):
    # Given the same rows twice and no seed (the default is deterministic), on one or two threads
    X, y = small_credit.X_train, small_credit.y_train
    first, again = GBM(n_jobs=n_jobs).fit(X, y), GBM(n_jobs=n_jobs).fit(X, y)
    # Then the trees, the calibration and every probability are identical to the last bit
    assert first.booster_.model_to_string() == again.booster_.model_to_string()
    assert (first.calibrator_.slope_, first.calibrator_.intercept_) == (
        again.calibrator_.slope_,
        again.calibrator_.intercept_,
    )
    np.testing.assert_array_equal(
        first.predict_proba(small_credit.X_test), again.predict_proba(small_credit.X_test)
    )
    pd.testing.assert_frame_equal(first.cv_results_, again.cv_results_)


def test_without_held_out_rows_it_trains_every_round(small_credit):
    X, y = small_credit.X_train, small_credit.y_train
    with pytest.raises(ValueError, match="calibration needs held-out rows"):
        GBM(cv=None).fit(X, y)
    model = GBM(cv=None, calibration=None, n_estimators=30, n_jobs=1).fit(X, y)
    assert model.best_iteration_ == 30
    assert model.calibrator_ is None
    assert model.cv_results_ is None
    assert model.capacity_ == {
        "num_leaves": 15, "min_child_samples": 50, "learning_rate": 0.05, "extra_trees": False,
    }  # fmt: skip


# --- the capacity, chosen for the data ------------------------------------------------------


def _baselines_auc(data: Split) -> dict[str, float]:
    """Test AUC of a default LGBMClassifier and of a logit on one-hot / standardised columns."""
    text = [c for c in data.X_train.columns if not pd.api.types.is_numeric_dtype(data.X_train[c])]
    numbers = [c for c in data.X_train.columns if c not in text and data.X_train[c].notna().any()]

    def as_lightgbm(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[text + numbers].astype({c: "category" for c in text})
        return frame.set_axis([f"c{i}" for i in range(frame.shape[1])], axis=1)

    def as_text(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype({c: object for c in text})

    lightgbm = lgb.LGBMClassifier(n_jobs=1, verbose=-1).fit(as_lightgbm(data.X_train), data.y_train)
    encode = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="constant", fill_value="NA"), OneHotEncoder(
            handle_unknown="ignore")), text),
        (make_pipeline(SimpleImputer(), StandardScaler()), numbers),
    )  # fmt: skip
    logit = make_pipeline(encode, LogisticRegression(max_iter=1000))
    logit.fit(as_text(data.X_train), data.y_train)
    return {
        "lightgbm": roc_auc_score(
            data.y_test, lightgbm.predict_proba(as_lightgbm(data.X_test))[:, 1]
        ),
        "logit": roc_auc_score(data.y_test, logit.predict_proba(as_text(data.X_test))[:, 1]),
    }


@pytest.fixture(scope="module")
def tiny_credit() -> Split:
    """1,500 rows (1,050 to train): the size where one fixed capacity lost to a logit."""
    return split(*credit_table(n=1_500, seed=1))


def test_on_a_small_table_it_beats_default_lightgbm_and_a_logit_on_unseen_rows(tiny_credit):
    model = GBM(n_jobs=1).fit(tiny_credit.X_train, tiny_credit.y_train)
    ours = roc_auc_score(tiny_credit.y_test, model.predict_proba(tiny_credit.X_test)[:, 1])
    baselines = _baselines_auc(tiny_credit)
    print(f"1,050 rows: GBM AUC {ours:.4f} ({model.capacity_}), baselines {baselines}")
    assert ours >= baselines["lightgbm"] + 0.02
    assert ours >= baselines["logit"]


def test_a_small_additive_table_gets_small_trees(tiny_credit):
    model = GBM(n_jobs=1).fit(tiny_credit.X_train, tiny_credit.y_train)
    assert model.capacity_["num_leaves"] <= 4
    table = model.cv_results_
    assert table["chosen"].sum() == 1
    assert set(table.columns) >= {"num_leaves", "rounds", "log_loss", "auc", "chosen"}
    assert model.best_iteration_ == table.loc[table["chosen"], "rounds"].item()


def test_a_table_whose_signal_is_an_interaction_keeps_deep_trees():
    # Given a risk set by the signs of products of columns: no stump sees any of it
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3_000, 4)), columns=["a", "b", "c", "d"])
    logit = -1 + 1.5 * np.sign(X["a"] * X["b"]) + np.sign(X["c"] * X["d"]) * (X["a"] > 0)
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    model = GBM(n_jobs=1).fit(X, y)
    stumps = model.cv_results_.iloc[0]
    assert stumps["num_leaves"] == 2 and stumps["auc"] < 0.55
    assert model.capacity_["num_leaves"] >= 8


def test_a_fixed_capacity_parameter_is_kept_in_every_candidate(small_credit):
    model = GBM(num_leaves=6, n_jobs=1).fit(small_credit.X_train, small_credit.y_train)
    assert set(model.cv_results_["num_leaves"]) == {6}
    assert model.capacity_["num_leaves"] == 6
    assert model.booster_.dump_model()["tree_info"][0]["num_leaves"] <= 6


def test_with_all_four_capacity_parameters_fixed_nothing_is_chosen(small_credit):
    fixed = {"num_leaves": 4, "min_child_samples": 20, "learning_rate": 0.05, "extra_trees": True}
    model = GBM(**fixed, n_jobs=1).fit(small_credit.X_train, small_credit.y_train)
    assert len(model.cv_results_) == 1
    assert model.capacity_ == fixed
    assert model.booster_.params["extra_trees"] is True


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"learning_rate": 0}, "learning_rate must be a number > 0; got 0"),
        ({"num_leaves": 1.5}, "num_leaves must be a whole number >= 2; got 1.5"),
        ({"calibration": "platt"}, "calibration must be one of"),
        ({"n_jobs": 0}, "n_jobs must be a whole number >= 1; got 0"),
        ({"cv": 1}, "cv must be a whole number >= 2; got 1"),
        ({"lgbm_params": {"objective": "regression"}}, r"lgbm_params may not set \['objective'\]"),
        ({"lgbm_params": {"num_leaves": 7}}, r"lgbm_params may not set \['num_leaves'\]"),
        ({"extra_trees": "yes"}, "extra_trees must be True, False or None; got 'yes'"),
        ({"lgbm_params": {"extra_trees": True}}, r"lgbm_params may not set \['extra_trees'\]"),
    ],
)
def test_parameters_are_checked_when_fitting(small_credit, params, message):
    model = GBM(**params)  # __init__ only stores them
    with pytest.raises(ValueError, match=message):
        model.fit(small_credit.X_train, small_credit.y_train)
