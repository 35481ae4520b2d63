"""One contract, every learned scorer: the sklearn estimator rules plus our own.

Each test runs over the WoE scorecard and the GBM: fit returns self, unfitted use fails,
probabilities are probabilities, pickles and clones behave, explanations have one format, columns
are found by name, monotone constraints hold, and labels of any spelling work.
"""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError

from credit_scoring.models import GBM, Scorecard

KINDS = ["scorecard", "gbm"]


def make(kind: str, **params):
    if kind == "gbm":
        params = {"n_jobs": 1, "random_state": 0, **params}  # one thread: see test_gbm.py
        return GBM(**params)
    return Scorecard(**params)


# The raw output that contributions rebuild: margin = base + sum for the GBM (log-odds), and
# points = base - sum for the scorecard (points lost, so higher points stay safer).
RAW = {
    "scorecard": (lambda model, X: model.points(X), -1.0),
    "gbm": (lambda model, X: model.decision_function(X), 1.0),
}


@pytest.fixture(scope="module", params=KINDS)
def fitted(request, small_credit):
    kind = request.param
    return kind, make(kind).fit(small_credit.X_train, small_credit.y_train)


def u_shaped(n: int = 4_000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Risk falls then rises with x, so a free model is not monotone in x and a constraint bites."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x": rng.uniform(-3, 3, n),
            "z": rng.normal(size=n),
            "group": rng.choice(["a", "b", "c"], n),
        }
    )
    logit = -1.5 + 0.35 * X["x"] ** 2 + 0.6 * X["z"] + 0.5 * (X["group"] == "a")
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()


def proba_along(model, rows: pd.DataFrame, column: str, grid: np.ndarray) -> np.ndarray:
    """P(positive) for every row (axis 0) as ``column`` walks the grid (axis 1)."""
    repeated = rows.loc[rows.index.repeat(len(grid))].reset_index(drop=True)
    repeated[column] = np.tile(grid, len(rows))
    return model.predict_proba(repeated)[:, 1].reshape(len(rows), len(grid))


# --- the sklearn contract -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_fit_returns_the_estimator(kind, small_credit):
    model = make(kind)
    assert model.fit(small_credit.X_train, small_credit.y_train) is model
    assert is_classifier(model)


@pytest.mark.parametrize("kind", KINDS)
def test_an_unfitted_model_refuses_to_predict(kind, small_credit):
    model = make(kind)
    for method in ("predict_proba", "predict", "explain", "contributions", "decision_function"):
        with pytest.raises(NotFittedError):
            getattr(model, method)(small_credit.X_test)


def test_probabilities_are_probabilities(fitted, small_credit):
    _, model = fitted
    proba = model.predict_proba(small_credit.X_test)
    assert proba.shape == (len(small_credit.X_test), 2)
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == [0, 1]
    assert set(model.predict(small_credit.X_test)) <= {0, 1}


def test_fitted_attributes_describe_the_input(fitted, small_credit):
    _, model = fitted
    assert list(model.feature_names_in_) == list(small_credit.X_train.columns)
    assert model.n_features_in_ == small_credit.X_train.shape[1]


def test_a_pickled_model_predicts_the_same(fitted, small_credit):
    _, model = fitted
    restored = pickle.loads(pickle.dumps(model))
    X = small_credit.X_test
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert restored.explain(X.head(20)) == model.explain(X.head(20))


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(fitted):
    _, model = fitted
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "classes_")
    copy.set_params(monotone={"逾期次数": 1})
    assert copy.get_params()["monotone"] == {"逾期次数": 1}


# --- explanations ---------------------------------------------------------------------------


def test_explain_returns_the_documented_reasons(fitted, small_credit):
    _, model = fitted
    rows = small_credit.X_test.head(60)
    reasons = model.explain(rows, top_k=3)
    contributions = model.contributions(rows)
    assert len(reasons) == len(rows)
    for row_reasons, (index, row) in zip(reasons, rows.iterrows(), strict=True):
        assert len(row_reasons) <= 3
        assert [r["contribution"] for r in row_reasons] == sorted(
            (r["contribution"] for r in row_reasons), reverse=True
        )
        for reason in row_reasons:
            assert set(reason) == {"feature", "value", "contribution", "code"}
            assert reason["contribution"] > 0
            assert reason["contribution"] == contributions.loc[index, reason["feature"]]
            assert reason["code"] == model.reason_codes_[reason["feature"]]
            expected = row[reason["feature"]]
            assert reason["value"] == expected or (reason["value"] is None and pd.isna(expected))
        adverse = contributions.loc[index][contributions.loc[index] > 1e-9]
        assert [r["feature"] for r in row_reasons] == list(adverse.nlargest(3).index)
    json.dumps(reasons, ensure_ascii=False)  # reasons travel through the API as JSON


def test_reason_codes_are_derived_from_the_column_names(fitted):
    _, model = fitted
    assert model.reason_codes_["penalty_count_365d"] == "R_PENALTY_COUNT_365D"
    assert model.reason_codes_["years in business"] == "R_YEARS_IN_BUSINESS"
    assert model.reason_codes_["逾期次数"] == "R_逾期次数"


def test_contributions_rebuild_the_raw_output(fitted, small_credit):
    kind, model = fitted
    raw, sign = RAW[kind]
    X = small_credit.X_test
    rebuilt = model.base_value_ + sign * model.contributions(X).sum(axis=1).to_numpy()
    np.testing.assert_allclose(rebuilt, raw(model, X), atol=1e-6)


def test_top_k_must_be_positive(fitted, small_credit):
    _, model = fitted
    with pytest.raises(ValueError, match="top_k must be a whole number >= 1; got 0"):
        model.explain(small_credit.X_test.head(1), top_k=0)


# --- columns at prediction time -------------------------------------------------------------


def test_columns_are_found_by_name_and_extras_ignored(fitted, small_credit):
    _, model = fitted
    X = small_credit.X_test
    shuffled = X[X.columns[::-1]].assign(uscc="91350200776049653A")
    np.testing.assert_array_equal(model.predict_proba(shuffled), model.predict_proba(X))


def test_a_missing_column_is_named(fitted, small_credit):
    _, model = fitted
    with pytest.raises(ValueError, match=r"lacks 1 column.*'sector'"):
        model.predict_proba(small_credit.X_test.drop(columns="sector"))


def test_categories_never_seen_in_training_do_not_crash(fitted, small_credit):
    _, model = fitted
    rows = small_credit.X_test.head(5).copy()
    rows["region"] = pd.Series(["R99"] * 5, index=rows.index, dtype="category")
    rows["sector"] = ["space_tourism", None, "catering", "market", "ads"]
    rows["noise_cat"] = "zzz"
    proba = model.predict_proba(rows)
    assert np.isfinite(proba).all()
    assert len(model.explain(rows)) == 5


@pytest.mark.parametrize("kind", KINDS)
def test_a_plain_array_works_with_positional_names(kind):
    X, y = u_shaped(2_000)
    values = X[["x", "z"]].to_numpy()
    model = make(kind).fit(values, y)
    assert list(model.feature_names_in_) == ["x0", "x1"]
    assert model.predict_proba(values[:3]).shape == (3, 2)


@pytest.mark.parametrize("kind", KINDS)
def test_dates_are_refused_with_advice(kind):
    X = pd.DataFrame({"registered": pd.date_range("2020-01-01", periods=4), "n": [0, 1, 2, 3]})
    with pytest.raises(TypeError, match="turn dates into ages"):
        make(kind).fit(X, [0, 1, 0, 1])


# --- monotone constraints -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sign", [1, -1])
def test_a_monotone_column_never_moves_risk_the_wrong_way(kind, sign):
    X, y = u_shaped()
    rows, grid = X.head(150), np.linspace(-4, 4, 33)
    constrained = make(kind, monotone={"x": sign}).fit(X, y)
    assert (sign * np.diff(proba_along(constrained, rows, "x", grid)) >= -1e-12).all()
    free = np.diff(proba_along(make(kind).fit(X, y), rows, "x", grid))
    assert (sign * free < -0.01).any()  # without the constraint the U shape shows


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("monotone", "error", "message"),
    [
        ({"x": 2}, ValueError, r"monotone must map column names to -1, 0 or 1; got \{'x': 2\}"),
        ({"nope": 1}, ValueError, r"monotone names columns that are not in X: \['nope'\]"),
        ({"group": 1}, ValueError, r"monotone needs ordered .* \['group'\] are categorical"),
        ([("x", 1)], TypeError, "monotone must map column names"),
    ],
)
def test_bad_monotone_constraints_are_explained(kind, monotone, error, message):
    X, y = u_shaped(500)
    with pytest.raises(error, match=message):
        make(kind, monotone=monotone).fit(X, y)


# --- labels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_string_labels_with_a_positive_class_give_the_same_model(kind, small_credit):
    X, y01, X_new = small_credit.X_train, small_credit.y_train, small_credit.X_test
    words = pd.Series(np.where(y01 == 1, "bad", "good"), dtype="str")
    by_word = make(kind, positive_class="bad").fit(X, words)
    by_number = make(kind).fit(X, y01)
    assert list(by_word.classes_) == ["good", "bad"]
    np.testing.assert_allclose(by_word.predict_proba(X_new), by_number.predict_proba(X_new))
    assert set(by_word.predict(X_new)) <= {"good", "bad"}


@pytest.mark.parametrize("kind", KINDS)
def test_bool_labels_make_true_the_positive_class(kind):
    X, y = u_shaped(1_000)
    model = make(kind).fit(X, y.astype(bool))
    assert list(model.classes_) == [False, True]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("labels", "positive_class", "message"),
    [
        (["good", "bad", "ugly"], None, "exactly two labels; found 3"),
        (["good", "bad"], None, r"positive_class must be given .* labels found: \['good', 'bad'\]"),
        (["good", "bad"], "worse", r"positive_class='worse' is not one of the labels found"),
        ([0, None], None, "missing labels"),
    ],
)
def test_bad_labels_are_explained(kind, labels, positive_class, message):
    X, _ = u_shaped(600)
    y = np.resize(np.array(labels, dtype=object), len(X))
    with pytest.raises(ValueError, match=message):
        make(kind, positive_class=positive_class).fit(X, y)
