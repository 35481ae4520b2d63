"""WoE scorecard: optimal binning per column, logistic regression on WoE, points scaled by PDO.

The classic bank scorecard, as an sklearn estimator over any pandas feature table:

1. every usable column is binned by optbinning (categorical columns as such; missing values and
   special codes in bins of their own), under the monotone trend the catalog asks for;
2. columns with no information value, or less than ``min_iv``, are left out;
3. a logistic regression is fitted on the weights of evidence; a column whose coefficient comes out
   with the wrong sign (its points would run against its own bins' event rates, as happens with
   correlated columns) is dropped, the worst first, and the regression refitted;
4. log-odds become points: ``base_points`` at odds ``base_odds`` : 1 (good : bad), ``pdo`` more
   points each time those odds double. Higher points are safer.

``table()`` is the points table a regulator reads; ``explain`` gives each row's points lost per
characteristic (its characteristic's best points minus the row's), largest first.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from optbinning import BinningProcess
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from credit_scoring.models._base import _TableClassifier
from credit_scoring.models._checks import (
    CATEGORICAL,
    Columns,
    categorical_values,
    check_mapping,
    check_monotone,
    check_number,
    numeric_values,
    row_count,
)

__all__ = ["Scorecard"]

_TRENDS = {1: "ascending", -1: "descending"}  # event rate as the column grows
_TABLE_COLUMNS = {
    "Bin": "bin",
    "Count": "count",
    "Count (%)": "count_share",
    "Non-event": "non_events",
    "Event": "events",
    "Event rate": "event_rate",
    "WoE": "woe",
    "IV": "iv",
}


class Scorecard(_TableClassifier):
    """Weight-of-evidence scorecard with points, an sklearn binary classifier.

    Parameters
    ----------
    monotone : dict of str to {-1, 0, 1}, optional
        Per numeric column: 1 if a higher value may only raise the risk of the positive class,
        -1 if it may only lower it, 0 or absent for no constraint (the binning then follows
        the data: ascending, descending, or one peak or valley, as optbinning's "auto" picks).
        Categorical columns cannot be constrained.
    positive_class : label, optional
        The adverse label. Needed unless the labels are 0/1 or bools (then 1/True).
    categorical_features : list of str, optional
        Numeric columns to bin as categories (codes); text and category columns always are.
    min_iv : float, default 0
        Columns whose information value is below this are left out of the scorecard; a
        column with none (IV 0: constant, or all missing) always is. By default every column
        with some information may enter, as in optbinning's scorecard: the regression weighs
        weak columns and drops wrong-signed ones, and on public data the weak columns add
        AUC (``benchmarks/RESULTS.md``). 0.02, the usual "not predictive" line, gives a
        shorter card.
    special_codes : list, optional
        Values of numeric columns that mean something other than a quantity (e.g. -1 or 365243
        for "not applicable"); they get a bin of their own.
    binning_params : dict, optional
        Extra keyword arguments for every ``optbinning.OptimalBinning`` (e.g. ``max_n_bins``,
        ``min_bin_size``). ``monotonic_trend`` here applies to unconstrained numeric columns.
    C : float, default 1.0
        Inverse L2 regularisation strength of the logistic regression.
    pdo : float, default 20
        Points to double the odds.
    base_points : float, default 600
        Points at odds ``base_odds`` : 1 (good : bad).
    base_odds : float, default 50
        Good : bad odds that score ``base_points``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Negative then positive label.
    feature_names_in_ : ndarray of str
    n_features_in_ : int
    information_values_ : Series
        Information value per column (0 for columns with no usable value).
    selected_features_ : list of str
        Columns in the scorecard.
    intercept_ : float
    coef_ : ndarray
        One coefficient per selected column, on optbinning's WoE (ln non-event/event share),
        so all are <= 0.
    base_value_ : float
        Best possible total points; ``points(X) == base_value_ - contributions(X).sum(axis=1)``.
    binning_process_ : optbinning.BinningProcess

    Examples
    --------
    Complaints drive the risk, the sector does not; the scorecard keeps the one column that
    separates, and its points table is what a regulator reads:

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> complaints = rng.poisson(0.5, 3000)
    >>> X = pd.DataFrame({"complaints": complaints, "sector": rng.choice(["food", "retail"], 3000)})
    >>> y = (rng.random(3000) < 0.05 + 0.08 * np.minimum(complaints, 4)).astype(int)
    >>> card = Scorecard(monotone={"complaints": 1}).fit(X, y)
    >>> card.selected_features_
    ['complaints']
    >>> card.table().columns.tolist()[:3]
    ['variable', 'bin', 'count']
    """

    def __init__(
        self,
        *,
        monotone: Mapping[str, int] | None = None,
        positive_class: Any = None,
        categorical_features: Sequence[str] | None = None,
        min_iv: float = 0,
        special_codes: Sequence[Any] | None = None,
        binning_params: Mapping[str, Any] | None = None,
        C: float = 1.0,
        pdo: float = 20.0,
        base_points: float = 600.0,
        base_odds: float = 50.0,
    ) -> None:
        self.monotone = monotone
        self.positive_class = positive_class
        self.categorical_features = categorical_features
        self.min_iv = min_iv
        self.special_codes = special_codes
        self.binning_params = binning_params
        self.C = C
        self.pdo = pdo
        self.base_points = base_points
        self.base_odds = base_odds

    def fit(self, X: Any, y: Any) -> Scorecard:
        """Bin every column, select by information value, fit the regression, scale to points.

        Parameters
        ----------
        X : DataFrame
            Feature table: numeric, bool, text or category columns; missing values allowed.
        y : array-like
            Two labels; see ``positive_class``.

        Returns
        -------
        self
        """
        frame, y01 = self._start_fit(X, y)
        monotone = self._check_params()
        table = _binning_table_input(frame, self.feature_kinds_)
        usable = [name for name in table.columns if self._has_clean_value(table[name])]
        if not usable:
            raise ValueError("no column of X has a usable (non-missing, non-special) value")
        self.binning_process_ = self._fit_binning(table[usable], y01, monotone)
        ivs = {name: self._binned(name).binning_table.iv for name in usable}
        self.information_values_ = pd.Series(
            [float(ivs.get(name, 0.0)) for name in table.columns], index=table.columns, name="iv"
        )
        candidates = [name for name in usable if ivs[name] > 0 and ivs[name] >= self.min_iv]
        self.woe_lookups_: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        woe = self._woe(table, candidates, len(table))
        selected, self.intercept_, self.coef_ = _fit_signed_logistic(woe, y01, candidates, self.C)
        self.selected_features_ = selected
        self._scale()
        return self

    def _check_params(self) -> dict[str, int]:
        check_number("min_iv", self.min_iv, low=0)
        check_number("C", self.C, low=0, low_open=True)
        check_number("pdo", self.pdo, low=0, low_open=True)
        check_number("base_points", self.base_points)
        check_number("base_odds", self.base_odds, low=0, low_open=True)
        check_mapping("binning_params", self.binning_params)
        if self.special_codes is not None and isinstance(self.special_codes, str | bytes):
            raise TypeError(f"special_codes must be a list of values; got {self.special_codes!r}")
        return check_monotone(self.monotone, self.feature_kinds_)

    def _has_clean_value(self, column: pd.Series) -> bool:
        # optbinning cannot bin a column with nothing left once missing and special values go.
        clean = column.notna()
        if self.special_codes is not None:
            clean &= ~column.isin(list(self.special_codes))
        return bool(clean.any())

    def _fit_binning(
        self, table: pd.DataFrame, y01: np.ndarray, monotone: dict[str, int]
    ) -> BinningProcess:
        params = check_mapping("binning_params", self.binning_params)
        free_trend = params.pop("monotonic_trend", "auto")
        per_column: dict[str, dict[str, Any]] = {}
        for name in table.columns:
            if self.feature_kinds_[name] == CATEGORICAL:
                per_column[name] = dict(params)
            else:
                trend = _TRENDS.get(monotone.get(name, 0), free_trend)
                per_column[name] = {**params, "monotonic_trend": trend}
        process = BinningProcess(
            list(table.columns),
            categorical_variables=[
                name for name in table.columns if self.feature_kinds_[name] == CATEGORICAL
            ],
            special_codes=None if self.special_codes is None else list(self.special_codes),
            binning_fit_params=per_column,
        )
        with _quiet_optbinning():
            return process.fit(table, y01)

    def _binned(self, name: str) -> Any:
        return self.binning_process_.get_binned_variable(name)

    def _woe(
        self, table: Mapping[str, Any] | pd.DataFrame, names: Sequence[str], n_rows: int
    ) -> np.ndarray:
        """WoE per row and column; missing and special values get their own bin's WoE."""
        columns = [np.zeros(n_rows)]  # keeps the shape when no column is selected
        for name in names:
            columns.append(self._column_woe(name, np.asarray(table[name])))
        return np.column_stack(columns)[:, 1:].astype("float64")

    def _column_woe(self, name: str, values: np.ndarray) -> np.ndarray:
        lookup = self._numeric_woe(name)
        if lookup is None:
            with _quiet_optbinning():
                return np.asarray(
                    self._binned(name).transform(
                        values, metric="woe", metric_missing="empirical", metric_special="empirical"
                    )
                )
        splits, by_bin, missing = lookup
        return np.where(np.isnan(values), missing, by_bin[np.digitize(values, splits)])

    def _numeric_woe(self, name: str) -> tuple[np.ndarray, np.ndarray, float] | None:
        """A numeric column's split points, each bin's WoE and the missing values' WoE.

        optbinning's transform costs about 50 µs a call however few the rows, most of scoring
        one subject; so each bin's WoE is taken from it once, at a point of the bin, and values
        are binned as it bins them (``np.digitize`` on the splits). Categories and special codes
        stay with optbinning.
        """
        if self.feature_kinds_[name] == CATEGORICAL or self.special_codes is not None:
            return None
        lookups = self.__dict__.setdefault("woe_lookups_", {})  # models pickled before it too
        if name not in lookups:
            binned = self._binned(name)
            splits = np.asarray(binned.splits, dtype="float64")
            inside = [np.nextafter(splits[0], -np.inf), *splits] if len(splits) else [0.0]
            with _quiet_optbinning():
                woe = binned.transform(
                    np.asarray([*inside, np.nan]),
                    metric="woe", metric_missing="empirical", metric_special="empirical",
                )  # fmt: skip
            woe = np.asarray(woe, dtype="float64")
            lookups[name] = (splits, woe[:-1], float(woe[-1]))
        return lookups[name]

    def _scale(self) -> None:
        """Points per unit of WoE per characteristic, and each characteristic's best points."""
        self.factor_ = self.pdo / math.log(2.0)
        self.offset_ = self.base_points - self.factor_ * math.log(self.base_odds)
        self.points_per_woe_ = -self.factor_ * self.coef_
        best = [
            float(np.max(weight * self._bins(name)["woe"].to_numpy(dtype="float64")))
            for name, weight in zip(self.selected_features_, self.points_per_woe_, strict=True)
        ]
        self.best_points_ = np.asarray(best, dtype="float64")
        self.base_value_ = self._constant_points() + float(self.best_points_.sum())

    def _constant_points(self) -> float:
        return float(self.offset_ - self.factor_ * self.intercept_)

    def _bins(self, name: str) -> pd.DataFrame:
        with _quiet_optbinning():
            built = self._binned(name).binning_table.build(show_digits=4, add_totals=False)
        bins = built.rename(columns=_TABLE_COLUMNS)[list(_TABLE_COLUMNS.values())]
        bins["bin"] = [_bin_label(value) for value in bins["bin"]]
        if self.special_codes is None:  # the Special bin can only be empty then
            bins = bins[bins["bin"] != "Special"]
        return bins.reset_index(drop=True)

    def _selected_woe(self, frame: Columns) -> np.ndarray:
        columns = {
            name: _binning_values(frame[name], self.feature_kinds_[name])
            for name in self.selected_features_
        }
        return self._woe(columns, self.selected_features_, row_count(frame))

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds of the positive class."""
        return self._logit(self._checked_frame(X))

    def _logit(self, frame: Columns) -> np.ndarray:
        # Term by term, not a matrix product: BLAS adds a row's terms in an order that depends
        # on how many rows there are, so one subject alone would differ in the last bits.
        woe = self._selected_woe(frame)
        logit = np.full(len(woe), self.intercept_)
        for j, weight in enumerate(self.coef_):
            logit += woe[:, j] * weight
        return logit

    def _positive_proba(self, frame: Columns) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self._logit(frame)))

    def points(self, X: Any) -> np.ndarray:
        """Total points per row: ``offset - factor * log-odds``; higher is safer."""
        return self.offset_ - self.factor_ * self.decision_function(X)

    def _contribution_values(self, frame: Columns) -> np.ndarray:
        """Points lost per characteristic: its best points minus the row's points (>= 0)."""
        names = list(self.feature_names_in_)
        lost = np.zeros((row_count(frame), len(names)))
        if self.selected_features_:
            earned = self._selected_woe(frame) * self.points_per_woe_
            lost[:, [names.index(n) for n in self.selected_features_]] = self.best_points_ - earned
        return lost

    def contributions(self, X: Any) -> pd.DataFrame:
        """Points lost per row and characteristic (0 for columns not in the scorecard).

        ``points(X) == base_value_ - contributions(X).sum(axis=1)``: the best possible total
        minus what each characteristic cost. Positive values push towards the positive class.
        """
        return super().contributions(X)

    def table(self) -> pd.DataFrame:
        """The points table: one row per bin of every characteristic in the scorecard.

        Columns: variable, bin, count, count_share, non_events, events, event_rate, woe, iv
        (of the bin), coefficient, points. A row's total points is the sum over characteristics
        of its bins' points. Categories not seen in training score as WoE 0 (the average risk).
        """
        check_is_fitted(self)
        share = self._constant_points() / max(len(self.selected_features_), 1)
        parts = []
        for name, coef, weight in zip(
            self.selected_features_, self.coef_, self.points_per_woe_, strict=True
        ):
            bins = self._bins(name)
            bins.insert(0, "variable", name)
            bins["coefficient"] = float(coef)
            bins["points"] = weight * bins["woe"].to_numpy(dtype="float64") + share
            parts.append(bins)
        if not parts:
            return pd.DataFrame(columns=["variable", *_TABLE_COLUMNS.values(), "coefficient"])
        return pd.concat(parts, ignore_index=True)


def _binning_table_input(frame: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """The columns as optbinning wants them: float64, or object strings with NaN for missing."""
    return pd.DataFrame({name: _binning_values(frame[name], kinds[name]) for name in frame.columns})


def _binning_values(column: pd.Series | np.ndarray, kind: str) -> np.ndarray:
    if kind == CATEGORICAL:
        return categorical_values(column)
    return numeric_values(column)


def _fit_signed_logistic(
    woe: np.ndarray, y01: np.ndarray, names: Sequence[str], C: float
) -> tuple[list[str], float, np.ndarray]:
    """Logistic regression on WoE, dropping wrong-signed columns one at a time, worst first.

    With WoE = ln(non-event share / event share), a higher WoE is safer, so every coefficient
    must be negative; a positive one means the column only corrects for a correlated column and
    would give more points to riskier bins, which no reviewer could defend.
    """
    keep = list(range(len(names)))
    while keep:
        model = LogisticRegression(C=C, max_iter=1000).fit(woe[:, keep], y01)
        coef = model.coef_[0]
        if coef.max() <= 0:
            return [names[i] for i in keep], float(model.intercept_[0]), coef.astype("float64")
        del keep[int(np.argmax(coef))]
    warnings.warn(
        "no column is predictive enough for the scorecard; it predicts the base rate",
        UserWarning,
        stacklevel=3,
    )
    rate = float(np.mean(y01))
    return [], math.log(rate / (1.0 - rate)), np.zeros(0)


def _bin_label(value: Any) -> str:
    """Categorical bins arrive as arrays of categories; show them as ``a, b, c``."""
    if isinstance(value, str) or np.ndim(value) == 0:
        return str(value)
    return ", ".join(str(item) for item in value)


@contextmanager
def _quiet_optbinning() -> Iterator[None]:
    """Silence pandas deprecation warnings raised inside optbinning (not ours to fix)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="optbinning")
        yield
