"""The WoE scorecard: as good as optbinning's own, points on the PDO scale, a readable table."""

import warnings

import numpy as np
import pandas as pd
import pytest
from optbinning import BinningProcess
from optbinning import Scorecard as OptbinningScorecard
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from credit_scoring.models import Scorecard

from .datasets import CREDIT_DIRECTIONS, Split


def optbinning_auc(data: Split) -> float:
    """Test AUC of optbinning's Scorecard, set up as a careful analyst would."""
    usable = data.X_train.columns[data.X_train.notna().any()]  # optbinning fails on empty columns
    categorical = [c for c in usable if not pd.api.types.is_numeric_dtype(data.X_train[c])]

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[usable].copy()
        for column in frame.columns:
            if column in categorical:
                frame[column] = frame[column].astype(object)
            elif frame[column].dtype == bool:
                frame[column] = frame[column].astype(int)
        return frame

    process = BinningProcess(
        list(usable), categorical_variables=categorical, selection_criteria={"iv": {"min": 0.02}}
    )
    card = OptbinningScorecard(
        binning_process=process,
        estimator=LogisticRegression(max_iter=1000),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside optbinning
        card.fit(
            prepare(data.X_train),
            data.y_train,
            metric_missing="empirical",
            metric_special="empirical",
        )
        scores = card.predict_proba(prepare(data.X_test))[:, 1]
    return float(roc_auc_score(data.y_test, scores))


@pytest.fixture(scope="module")
def credit_card(credit_split):
    return Scorecard(monotone=CREDIT_DIRECTIONS).fit(credit_split.X_train, credit_split.y_train)


@pytest.fixture(scope="module")
def default_cards(credit_split, cancer_split):
    """Scorecard with default parameters per dataset, as a user would first try it."""
    return {
        name: Scorecard().fit(data.X_train, data.y_train)
        for name, data in [("credit_split", credit_split), ("cancer_split", cancer_split)]
    }


@pytest.mark.parametrize("dataset", ["credit_split", "cancer_split"])
def test_ranks_unseen_rows_as_well_as_optbinnings_scorecard(dataset, default_cards, request):
    data, card = request.getfixturevalue(dataset), default_cards[dataset]
    ours = roc_auc_score(data.y_test, card.predict_proba(data.X_test)[:, 1])
    baseline = optbinning_auc(data)
    print(f"{dataset}: scorecard AUC {ours:.4f}, optbinning Scorecard {baseline:.4f}")
    assert ours >= baseline - 0.01


def test_points_follow_the_pdo_scale(credit_card, credit_split):
    # 600 points at odds 50:1 (good:bad), 20 more each time the odds double.
    proba = credit_card.predict_proba(credit_split.X_test)[:, 1]
    expected = 600 + 20 * np.log2((1 - proba) / proba / 50)
    np.testing.assert_allclose(credit_card.points(credit_split.X_test), expected, atol=1e-6)


def test_a_riskier_row_never_scores_more_points(credit_card, credit_split):
    proba = credit_card.predict_proba(credit_split.X_test)[:, 1]
    points = credit_card.points(credit_split.X_test)
    order = np.argsort(proba)
    assert np.all(np.diff(points[order]) <= 1e-9)


def test_points_lost_add_up_from_the_best_possible_score(credit_card, credit_split):
    lost = credit_card.contributions(credit_split.X_test)
    assert (lost.to_numpy() >= -1e-9).all()
    total = credit_card.base_value_ - lost.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, credit_card.points(credit_split.X_test), atol=1e-6)


def test_each_rows_points_are_read_off_the_table(credit_card, credit_split):
    table = credit_card.table()
    lost = credit_card.contributions(credit_split.X_test.head(500))
    share = credit_card.base_value_ - credit_card.best_points_.sum()
    share /= len(credit_card.selected_features_)
    for name, best in zip(credit_card.selected_features_, credit_card.best_points_, strict=True):
        earned = best - lost[name].to_numpy() + share
        listed = table.loc[table["variable"] == name, "points"].to_numpy()
        assert np.abs(earned[:, None] - listed[None, :]).min(axis=1).max() < 1e-6, name


def test_the_table_shows_what_a_regulator_reads(credit_card):
    table = credit_card.table()
    wanted = ["variable", "bin", "count", "event_rate", "woe", "iv", "coefficient", "points"]
    assert set(wanted) <= set(table.columns)
    assert list(table["variable"].unique()) == credit_card.selected_features_
    assert (table["coefficient"] <= 0).all()
    # a constrained count: riskier bins as it grows, so fewer points bin after bin
    bins = table[(table["variable"] == "penalty_count_365d") & (table["bin"] != "Missing")]
    assert np.all(np.diff(bins["points"].to_numpy()) <= 1e-9)
    region = table[table["variable"] == "region"]
    assert region["bin"].str.contains("R0").any()  # categories listed by name


def test_columns_without_information_are_left_out(credit_card):
    selected = set(credit_card.selected_features_)
    assert not selected & {"constant", "all_missing"}
    assert {"penalty_count_365d", "逾期次数", "years in business", "region"} <= selected
    assert credit_card.information_values_["all_missing"] == 0.0


def test_the_usual_iv_line_leaves_noise_out(credit_split):
    card = Scorecard(monotone=CREDIT_DIRECTIONS, min_iv=0.02)
    card.fit(credit_split.X_train, credit_split.y_train)
    assert not set(card.selected_features_) & {"noise_1", "noise_2", "noise_cat"}
    assert {"penalty_count_365d", "逾期次数", "years in business", "region"} <= set(
        card.selected_features_
    )


def test_wrong_signed_columns_are_dropped(default_cards):
    # 30 strongly correlated measurements: a plain regression on all of them flips signs.
    card = default_cards["cancer_split"]
    passed_iv = (card.information_values_ >= card.min_iv).sum()
    assert len(card.selected_features_) < passed_iv
    assert (card.coef_ < 0).all()


def test_min_iv_selects_columns(small_credit):
    strict = Scorecard(min_iv=0.2).fit(small_credit.X_train, small_credit.y_train)
    assert all(strict.information_values_[c] >= 0.2 for c in strict.selected_features_)
    assert len(strict.selected_features_) < 5


def test_with_no_predictive_column_it_predicts_the_base_rate():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"noise": rng.normal(size=1000)})
    y = rng.random(1000) < 0.2
    with pytest.warns(UserWarning, match="base rate"):
        card = Scorecard(min_iv=0.5).fit(X, y)
    np.testing.assert_allclose(card.predict_proba(X)[:, 1], y.mean())
    assert card.table().empty
    assert card.explain(X.head(2)) == [[], []]


def test_special_codes_get_a_bin_of_their_own():
    rng = np.random.default_rng(0)
    days = rng.integers(0, 3000, 5000).astype(float)
    days[rng.random(5000) < 0.1] = 365243  # "not employed", as in Home Credit
    y = rng.random(5000) < np.where(days == 365243, 0.4, 0.1 + days / 30000)
    card = Scorecard(special_codes=[365243]).fit(pd.DataFrame({"days": days}), y)
    table = card.table()
    assert table.loc[table["bin"] == "Special", "count"].item() == (days == 365243).sum()


def test_numeric_woe_is_optbinnings_own_at_and_around_every_split(credit_card, credit_split):
    checked = 0
    for name in credit_card.selected_features_:
        if credit_card.feature_kinds_[name] != "numeric":
            continue
        binned = credit_card.binning_process_.get_binned_variable(name)
        splits = np.asarray(binned.splits, dtype=float)
        column = credit_split.X_test[name].to_numpy(dtype=float)
        values = np.concatenate([
            splits, np.nextafter(splits, -np.inf), np.nextafter(splits, np.inf),
            column[~np.isinf(column)], [np.nan, -1e12, 1e12],
        ])  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = binned.transform(
                values, metric="woe", metric_missing="empirical", metric_special="empirical"
            )
        np.testing.assert_array_equal(credit_card._column_woe(name, values), expected)
        checked += 1
    assert checked >= 2
