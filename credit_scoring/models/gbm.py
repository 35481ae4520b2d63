"""Gradient-boosted trees (LightGBM) with monotone constraints, chosen capacity and calibration.

The steps of ``fit``, each for a reason:

1. columns become one float matrix: numeric columns as floats, categorical ones as codes of the
   categories seen in training, declared categorical to LightGBM. A category first seen at
   prediction time gets no code and goes where missing values go, instead of crashing;
2. the capacity (leaves, smallest leaf, learning rate) and the number of rounds are chosen for
   the data by held-out log-loss, each capacity boosted with early stopping (see ``_capacity``):
   on ``eval_set`` when the caller has one (our pipeline passes an out-of-time window), else on
   stratified, seeded inner folds, after which the winner is refitted on every row;
3. the booster is trimmed to its chosen rounds, so every use of it (SHAP included) sees one model;
4. a calibrator maps the margin to probabilities on the held-out rows (``eval_set``, or the
   out-of-fold margins; see ``_calibration``).

The same data and parameters give the same model bit for bit: every split and LightGBM itself are
seeded (``random_state=0`` by default), LightGBM runs ``deterministic`` on a fixed thread count.

Contributions are LightGBM's own TreeSHAP (``pred_contrib=True``), identical to
``shap.TreeExplainer`` on this booster; many rows are explained tree by tree over their distinct
decision patterns (``_treeshap``), a few rows each distinct row once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_random_state

from credit_scoring.models import _capacity
from credit_scoring.models._base import _TableClassifier
from credit_scoring.models._calibration import METHODS, MarginCalibrator
from credit_scoring.models._checks import (
    CATEGORICAL,
    Columns,
    as_frame,
    categorical_values,
    check_mapping,
    check_monotone,
    check_number,
    check_options,
    encode_known_labels,
    numeric_values,
    row_count,
    select_columns,
)
from credit_scoring.models._treeshap import tree_by_tree_contributions

__all__ = ["GBM"]

# Set through GBM's own parameters; accepting them in lgbm_params would silently fight those.
_MANAGED = {
    "objective", "monotone_constraints", "categorical_feature", "num_iterations", "seed",
    "learning_rate", "num_leaves", "min_data_in_leaf", "min_child_samples", "extra_trees",
}  # fmt: skip

Held = tuple[np.ndarray, np.ndarray]


class GBM(_TableClassifier):
    """LightGBM binary classifier over a pandas feature table, sklearn-compatible.

    Parameters
    ----------
    monotone : dict of str to {-1, 0, 1}, optional
        Per numeric column: 1 if a higher value may only raise the risk of the positive class,
        -1 if it may only lower it, 0 or absent for no constraint. Categorical columns cannot be
        constrained.
    positive_class : label, optional
        The adverse label. Needed unless the labels are 0/1 or bools (then 1/True).
    categorical_features : list of str, optional
        Numeric columns to treat as categories (codes); text and category columns always are.
    n_estimators : int, default 1000
        Most boosting rounds; early stopping usually ends far sooner.
    learning_rate : float, optional
    num_leaves : int, optional
    min_child_samples : int, optional
        Fewest rows per leaf; the main guard against fitting noise on credit tables.
    extra_trees : bool, optional
        Split at random thresholds (LightGBM's extremely randomised trees) instead of the best.
        These four make the capacity. Left as None, they are chosen on held-out rows among
        seven capacities, from stumps (an additive model, what a thousand rows support; also
        at random thresholds) to 31-leaf trees: the lowest log-loss wins if it beats the
        reference (15 leaves, 50 rows a leaf, rate 0.05, best thresholds) by more than a
        standard error, else the reference stays (see ``_capacity``, ``capacity_`` and
        ``cv_results_``). A value fixes it in every candidate; all four fixed, nothing is
        chosen.
    max_depth : int, default -1 (no limit beyond ``num_leaves``)
    subsample : float, default 0.8
        Share of rows drawn for each tree.
    colsample_bytree : float, default 0.8
        Share of columns drawn for each tree.
    reg_lambda : float, default 1.0
        L2 penalty on leaf values.
    early_stopping_rounds : int, default 50
    cv : int or None, default 5
        Stratified, seeded inner folds that choose the capacity and the rounds and calibrate,
        when ``fit`` gets no ``eval_set``; the chosen model is then refitted on every row. Above
        20,000 rows only the first fold is held out. The search costs about 35 small fits: about
        a second on a thousand rows, 12 s on 14,000 (one thread). None holds nothing out: every
        row trains for ``n_estimators`` rounds with the reference capacity (unless given), which
        requires ``calibration=None``.
    calibration : {"sigmoid", "isotonic", None}, default "sigmoid"
        How held-out margins map to probabilities. Sigmoid keeps the ranking and is stable on
        small held-out sets; isotonic needs thousands of held-out rows.
    lgbm_params : dict, optional
        Further LightGBM parameters (native names), e.g. ``{"max_bin": 127}``.
    n_jobs : int, default 2
        Threads, set deliberately: -1 uses every core. When other processes share the cores,
        OpenMP's spinning threads stall LightGBM (measured: 2 threads 35x slower than 1); use 1
        there, or start the process with ``OMP_WAIT_POLICY=passive`` (read once, when LightGBM
        loads), which removes the stall.
    random_state : int, RandomState or None, default 0
        Seeds the inner folds and LightGBM's sampling; the seed used is kept in ``seed_``.
        The default makes ``fit`` deterministic; None draws a new seed every fit.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Negative then positive label.
    feature_names_in_ : ndarray of str
    n_features_in_ : int
    booster_ : lightgbm.Booster
        Trimmed to ``best_iteration_`` trees; features named ``f0, f1, ...`` in column order.
    best_iteration_ : int
    capacity_ : dict
        The ``num_leaves``, ``min_child_samples``, ``learning_rate`` and ``extra_trees`` (random
        split thresholds) the model was fitted with.
    cv_results_ : DataFrame or None
        One row per capacity tried: its parameters, rounds, held-out log-loss and AUC, and
        whether it was chosen. None when nothing was held out (``cv=None``, no ``eval_set``).
    calibrator_ : MarginCalibrator or None
    categories_ : dict of str to Index
        Training categories of each categorical column.
    feature_importances_ : ndarray
        Total split gain per column, summing to 1.
    base_value_ : float
        Expected margin; ``decision_function(X) == base_value_ + contributions(X).sum(axis=1)``.
    seed_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(
    ...     {"penalties": rng.poisson(1.0, 2000), "region": rng.choice(["a", "b"], 2000)}
    ... )
    >>> y = (rng.random(2000) < 0.1 + 0.1 * X["penalties"].clip(upper=3)).astype(int)
    >>> model = GBM(monotone={"penalties": 1}, random_state=0).fit(X, y)
    >>> model.predict_proba(X.head(2)).shape
    (2, 2)
    >>> sorted(model.explain(X.head(1))[0][0])
    ['code', 'contribution', 'feature', 'value']
    """

    def __init__(
        self,
        *,
        monotone: Mapping[str, int] | None = None,
        positive_class: Any = None,
        categorical_features: Sequence[str] | None = None,
        n_estimators: int = 1000,
        learning_rate: float | None = None,
        num_leaves: int | None = None,
        min_child_samples: int | None = None,
        extra_trees: bool | None = None,
        max_depth: int = -1,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 50,
        cv: int | None = 5,
        calibration: str | None = "sigmoid",
        lgbm_params: Mapping[str, Any] | None = None,
        n_jobs: int = 2,
        random_state: Any = 0,
    ) -> None:
        self.monotone = monotone
        self.positive_class = positive_class
        self.categorical_features = categorical_features
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.extra_trees = extra_trees
        self.max_depth = max_depth
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.cv = cv
        self.calibration = calibration
        self.lgbm_params = lgbm_params
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: Any, y: Any, eval_set: Any = None) -> GBM:
        """Choose the capacity and rounds on held-out rows, boost, then calibrate on them.

        Parameters
        ----------
        X : DataFrame
            Feature table: numeric, bool, text or category columns; missing values allowed.
        y : array-like
            Two labels; see ``positive_class``.
        eval_set : tuple (X_val, y_val), optional
            Held-out rows (e.g. a later time window) that choose the capacity, stop boosting and
            calibrate; then every row of ``X`` trains every capacity and no inner folds are made.

        Returns
        -------
        self
        """
        frame, y01 = self._start_fit(X, y)
        monotone = self._check_params()
        self.seed_ = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self.categories_ = {
            name: _training_categories(frame[name])
            for name, kind in self.feature_kinds_.items()
            if kind == CATEGORICAL
        }
        categorical = [
            i for i, name in enumerate(self.feature_names_in_) if name in self.categories_
        ]
        rows = _capacity.Rows(self._matrix(frame), y01, categorical)
        held = None if eval_set is None else self._eval_rows(eval_set)
        booster, calibration_rows = self._boost(rows, held, monotone)
        # A fresh booster holding only the kept trees: predictions, SHAP and pickles agree.
        self.booster_ = lgb.Booster(
            model_str=booster.model_to_string(num_iteration=self.best_iteration_)
        )
        self.calibrator_ = None
        if self.calibration is not None and calibration_rows is not None:
            margin, y_held = calibration_rows
            self.calibrator_ = MarginCalibrator(self.calibration).fit(margin, y_held)
        gain = self.booster_.feature_importance(importance_type="gain")
        total = float(gain.sum())
        self.feature_importances_ = gain / total if total > 0 else np.zeros(len(gain))
        first_row = self._contrib_matrix(rows.matrix[:1])
        self.base_value_ = float(first_row[0, -1])
        return self

    def _check_params(self) -> dict[str, int]:
        check_number("n_estimators", self.n_estimators, low=1, integer=True)
        if self.learning_rate is not None:
            check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        if self.num_leaves is not None:
            check_number("num_leaves", self.num_leaves, low=2, integer=True)
        if self.min_child_samples is not None:
            check_number("min_child_samples", self.min_child_samples, low=1, integer=True)
        if self.extra_trees is not None and not isinstance(self.extra_trees, bool | np.bool_):
            raise ValueError(f"extra_trees must be True, False or None; got {self.extra_trees!r}")
        check_number("max_depth", self.max_depth, low=-1, integer=True)
        check_number("subsample", self.subsample, low=0, high=1, low_open=True)
        check_number("colsample_bytree", self.colsample_bytree, low=0, high=1, low_open=True)
        check_number("reg_lambda", self.reg_lambda, low=0)
        check_number("early_stopping_rounds", self.early_stopping_rounds, low=1, integer=True)
        if self.cv is not None:
            check_number("cv", self.cv, low=2, integer=True)
        check_options("calibration", self.calibration, METHODS)
        if self.n_jobs != -1:
            check_number("n_jobs", self.n_jobs, low=1, integer=True)
        managed = sorted(_MANAGED & set(check_mapping("lgbm_params", self.lgbm_params)))
        if managed:
            raise ValueError(f"lgbm_params may not set {managed}; use GBM's own parameters")
        return check_monotone(self.monotone, self.feature_kinds_)

    def _threads(self, n_rows: int | None = None) -> int:
        if n_rows is not None and n_rows < _THREADED_ROWS:
            return 1  # starting threads costs more than a few rows take (ms against µs)
        if self.n_jobs == -1:
            return os.cpu_count() or 1
        return int(self.n_jobs)

    def _matrix(self, frame: Columns) -> np.ndarray:
        """Floats for numeric columns, category codes (NaN when missing or unseen) otherwise."""
        # Column-major, filled column by column: LightGBM reads it without a copy, whereas
        # stacking columns into a row-major matrix cost as much as the prediction itself.
        names = list(self.feature_names_in_)
        matrix = np.empty((row_count(frame), len(names)), dtype="float64", order="F")
        for j, name in enumerate(names):
            if name in self.categories_:
                # -1 for missing values and for categories first seen now: both become NaN.
                values = pd.Index(categorical_values(frame[name]), dtype=object)
                codes = self.categories_[name].get_indexer(values).astype("float64")
                codes[codes < 0] = np.nan
                matrix[:, j] = codes
            else:
                matrix[:, j] = numeric_values(frame[name])
        return matrix

    def _eval_rows(self, eval_set: Any) -> Held:
        if isinstance(eval_set, list) and len(eval_set) == 1:
            eval_set = eval_set[0]  # LightGBM's and XGBoost's [(X_val, y_val)] spelling
        if not (isinstance(eval_set, tuple) and len(eval_set) == 2):
            raise TypeError("eval_set must be a pair (X_val, y_val)")
        names = list(self.feature_names_in_)
        frame = select_columns(as_frame(eval_set[0], names), names)
        y01 = encode_known_labels(eval_set[1], self.classes_, len(frame), "eval_set's y")
        if len(set(y01.tolist())) < 2:
            raise ValueError("eval_set's y must hold both classes (for stopping and calibration)")
        return self._matrix(frame), y01

    def _boost(
        self, rows: _capacity.Rows, held: Held | None, monotone: dict[str, int]
    ) -> tuple[lgb.Booster, Held | None]:
        """The booster of the chosen capacity, and the (margin, y) of held-out rows to calibrate
        on; sets ``capacity_``, ``cv_results_`` and ``best_iteration_``."""
        fixed = {
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "learning_rate": self.learning_rate,
            "extra_trees": self.extra_trees,
        }
        params = partial(self._lgb_params, monotone)
        boosting = (int(self.n_estimators), int(self.early_stopping_rounds))
        if held is None and self.cv is None:
            if self.calibration is not None:
                raise ValueError(
                    "calibration needs held-out rows: pass eval_set, set cv, "
                    "or set calibration=None"
                )
            candidates, reference = _capacity.candidates(fixed)
            self.capacity_ = candidates[reference]
            self.cv_results_: pd.DataFrame | None = None
            self.best_iteration_ = boosting[0]
            lgb_params = params(self.capacity_)
            train_set = rows.dataset(lgb_params)
            return lgb.train(lgb_params, train_set, num_boost_round=boosting[0]), None
        if held is not None:
            return self._boost_against(rows, held, fixed, params, boosting)
        return self._boost_folds(rows, fixed, params, boosting)

    def _boost_against(
        self, rows: _capacity.Rows, held: Held, fixed: dict[str, Any],
        params: _capacity.Params, boosting: tuple[int, int],
    ) -> tuple[lgb.Booster, Held]:  # fmt: skip
        """Every capacity on every training row, stopped and judged on ``eval_set``."""
        trials, boosters = [], []
        candidates, reference = _capacity.candidates(fixed)
        for capacity in candidates:
            trial, booster = _capacity.against_eval_set(rows, held, capacity, params, boosting)
            trials.append(trial)
            boosters.append(booster)
        chosen = self._record(trials, reference)
        booster = boosters[chosen]
        margin = booster.predict(held[0], num_iteration=self.best_iteration_, raw_score=True)
        return booster, (np.asarray(margin, dtype="float64"), held[1])

    def _boost_folds(
        self, rows: _capacity.Rows, fixed: dict[str, Any],
        params: _capacity.Params, boosting: tuple[int, int],
    ) -> tuple[lgb.Booster, Held]:  # fmt: skip
        """Every capacity on the inner folds; the winner refitted on every row for its rounds."""
        assert self.cv is not None
        folds = _capacity.inner_folds(rows.y01, int(self.cv), self.seed_)
        trials, margins = [], []
        candidates, reference = _capacity.candidates(fixed)
        for capacity in candidates:
            trial, margin = _capacity.cross_validate(rows, folds, capacity, params, boosting)
            trials.append(trial)
            margins.append(margin)
        chosen = self._record(trials, reference)
        lgb_params = params(self.capacity_)
        booster = lgb.train(
            lgb_params, rows.dataset(lgb_params), num_boost_round=self.best_iteration_
        )
        seen = ~np.isnan(margins[chosen])
        return booster, (margins[chosen][seen], rows.y01[seen])

    def _record(self, trials: list[_capacity.Trial], reference: int) -> int:
        chosen = _capacity.best(trials, reference)
        self.capacity_ = dict(trials[chosen].capacity)
        self.best_iteration_ = trials[chosen].rounds
        self.cv_results_ = _capacity.results_table(trials, chosen)
        return chosen

    def _lgb_params(self, monotone: dict[str, int], capacity: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "binary",
            "metric": "binary_logloss",
            "learning_rate": capacity["learning_rate"],
            "num_leaves": capacity["num_leaves"],
            "max_depth": self.max_depth,
            "min_data_in_leaf": capacity["min_child_samples"],
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "num_threads": self._threads(),
            "seed": self.seed_,
            "deterministic": True,
            "extra_trees": capacity["extra_trees"],
            "force_col_wise": True,  # skips a timing test whose outcome could vary run to run
            "verbosity": -1,
        }
        if monotone:
            params["monotone_constraints"] = [
                monotone.get(name, 0) for name in self.feature_names_in_
            ]
            # "basic" over-constrains whole subtrees and costs accuracy; "intermediate" still
            # guarantees monotonicity with looser bounds.
            params["monotone_constraints_method"] = "intermediate"
        params.update(check_mapping("lgbm_params", self.lgbm_params))
        return params

    def decision_function(self, X: Any) -> np.ndarray:
        """Uncalibrated margin: the booster's log-odds of the positive class."""
        return self._margin(self._matrix(self._checked_frame(X)))

    def _margin(self, matrix: np.ndarray) -> np.ndarray:
        raw = self.booster_.predict(matrix, raw_score=True, num_threads=self._threads(len(matrix)))
        return np.asarray(raw, dtype="float64")

    def _positive_proba(self, frame: Columns) -> np.ndarray:
        # In blocks: a block's matrix stays small enough to be reused from cache and memory,
        # where one matrix of a million rows cost a second of page faults on its own.
        n_rows = row_count(frame)
        if n_rows <= _BLOCK_ROWS or not isinstance(frame, pd.DataFrame):
            margin = self._margin(self._matrix(frame))
        else:
            margin = np.concatenate(
                [
                    self._margin(self._matrix(frame.iloc[start : start + _BLOCK_ROWS]))
                    for start in range(0, n_rows, _BLOCK_ROWS)
                ]
            )
        if self.calibrator_ is None:
            return 1.0 / (1.0 + np.exp(-margin))
        return self.calibrator_.predict(margin)

    def _contrib_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """TreeSHAP values plus the expected margin (last column).

        Many rows are explained tree by tree over their distinct decision patterns (see
        ``_treeshap``: exact, and tens of times faster on a million rows); a few rows directly,
        each distinct row once.
        """
        if len(matrix) >= _THREADED_ROWS:
            categorical = {
                j for j, name in enumerate(self.feature_names_in_) if name in self.categories_
            }
            return tree_by_tree_contributions(
                self.booster_, matrix, categorical, self._threads(len(matrix))
            )
        first, inverse = _unique_rows(matrix)
        values = self.booster_.predict(
            matrix[first], pred_contrib=True, num_threads=self._threads(len(first))
        )
        return np.asarray(values, dtype="float64")[inverse]

    def _contribution_values(self, frame: Columns) -> np.ndarray:
        return self._contrib_matrix(self._matrix(frame))[:, :-1]

    def contributions(self, X: Any) -> pd.DataFrame:
        """TreeSHAP contributions to the margin (log-odds), per row and column.

        ``decision_function(X) == base_value_ + contributions(X).sum(axis=1)``.
        """
        return super().contributions(X)


_BLOCK_ROWS = 65_536
_THREADED_ROWS = 1_000  # fewer rows are predicted on one thread and explained row by row


def _training_categories(column: pd.Series) -> pd.Index:
    values = categorical_values(column)
    return pd.Index(sorted(set(values[~pd.isna(values)].tolist())), dtype=object)


def _unique_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each distinct row's first occurrence, and each row's distinct-row number.

    Rows are compared by their bytes, so rows with missing values in the same places coincide.
    """
    rows = np.ascontiguousarray(matrix)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return first, inverse.ravel()
