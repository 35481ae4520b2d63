"""The GBM's capacity, chosen for the data at hand by a deterministic inner validation.

One setting cannot suit both a thousand applicants and a hundred thousand subjects: the trees a
large table supports overfit a small one (on 800 German credit rows they lose to a logistic
regression), and the stumps a small table needs leave signal behind on a large one. So ``GBM``
tries a few capacities, from an additive model of stumps to 31-leaf trees, and judges them by
held-out log-loss (a proper score: it rewards ranking and calibration both, and is far less noisy
on a few hundred rows than the AUC). The one with the lowest log-loss replaces the reference
capacity (GBM's setting before it chose one) only if it beats it clearly: by more than a standard
error of the rows' paired differences. On a large table the capacities differ in the fourth
decimal and the reference stays; a small table that needs stumps beats it by several.

Each capacity is boosted with early stopping on held-out rows:

* ``eval_set`` given (the pipeline's out-of-time window): on it, every training row in the model;
* otherwise stratified, seeded K-fold inside ``fit`` (LightGBM's ``cv``): the folds boost in
  lockstep and stop together on the mean log-loss, which fixes the number of rounds; the winner is
  then refitted on every row for that many rounds, and its out-of-fold margins calibrate it.
  Above ``ONE_FOLD_ROWS`` rows only the first fold is used: a held-out fifth of that many rows
  already measures the log-loss well, and K fits would cost K times as much.

Everything is seeded and LightGBM runs with ``deterministic=True`` and a fixed thread count, so
the same data and parameters give the same model, bit for bit.

Against an ``eval_set``, the boosting may run on a Dask cluster instead (``lightgbm.dask``, the
rows spread over the workers): :func:`boosting_on` sets the client for the fits inside it. The
Dask estimators cannot stop early, so each capacity boosts its full rounds and the round early
stopping would have stopped at is read off the recorded held-out losses; the booster is trimmed
there as locally. Distributed boosting sums histograms across workers in another order, so its
model is close to, not identical with, the local one (tested: the same AUC within 0.005).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

# From least to most capacity; a tie in log-loss goes to the earlier, simpler one. The smallest
# leaf grows with the tree: more leaves split the rows finer, so each must keep more of them.
# The two small capacities also come with random split thresholds (LightGBM's extra_trees): on a
# few hundred rows the best threshold partly fits noise, and the sum of many randomly cut stumps
# is a smoother curve (German credit, 5 folds: AUC +0.002 to +0.006 on three fold seeds). On a
# large table they cost accuracy (demo city 0.7070 against 0.7080), so they are only candidates.
# The reference: the capacity GBM had before it chose one, tuned on tables of tens of thousands of
# rows. Another capacity replaces it only when it beats it clearly (see ``best``); it is also what
# the capacity becomes when nothing is held out to choose with.
REFERENCE: dict[str, Any] = {
    "num_leaves": 15, "min_child_samples": 50, "learning_rate": 0.05, "extra_trees": False,
}  # fmt: skip
CAPACITIES: tuple[dict[str, Any], ...] = (
    {"num_leaves": 2, "min_child_samples": 20, "learning_rate": 0.1, "extra_trees": False},
    {"num_leaves": 2, "min_child_samples": 20, "learning_rate": 0.1, "extra_trees": True},
    {"num_leaves": 4, "min_child_samples": 20, "learning_rate": 0.05, "extra_trees": False},
    {"num_leaves": 4, "min_child_samples": 20, "learning_rate": 0.05, "extra_trees": True},
    {"num_leaves": 8, "min_child_samples": 40, "learning_rate": 0.05, "extra_trees": False},
    REFERENCE,
    {"num_leaves": 31, "min_child_samples": 100, "learning_rate": 0.05, "extra_trees": False},
)
ONE_FOLD_ROWS = 20_000

Params = Callable[[Mapping[str, Any]], dict[str, Any]]  # a capacity -> LightGBM parameters
# The Dask client fits against an eval_set boost on, if any (see the module doc).
_dask_client: ContextVar[Any] = ContextVar("dask_client", default=None)


@contextlib.contextmanager
def boosting_on(client: Any) -> Iterator[None]:
    """Boost the fits made inside this block on the Dask cluster of ``client``."""
    token = _dask_client.set(client)
    try:
        yield
    finally:
        _dask_client.reset(token)


@dataclass(frozen=True)
class Rows:
    """Training rows as LightGBM takes them: a float matrix, 0/1 labels, categorical columns."""

    matrix: np.ndarray
    y01: np.ndarray
    categorical: list[int]

    def dataset(self, params: Mapping[str, Any]) -> lgb.Dataset:
        # A fresh Dataset per capacity: its bins are built with the capacity's own parameters
        # (LightGBM drops columns that min_data_in_leaf makes unsplittable when it bins them).
        names = [f"f{i}" for i in range(self.matrix.shape[1])]
        return lgb.Dataset(
            self.matrix,
            label=self.y01,
            feature_name=names,
            categorical_feature=self.categorical,
            params=dict(params),
            free_raw_data=False,
        )


@dataclass(frozen=True)
class Trial:
    """One capacity, boosted on the inner folds (or against ``eval_set``)."""

    capacity: dict[str, Any]
    rounds: int
    log_loss: float
    auc: float
    row_loss: np.ndarray  # per held-out row, for paired comparisons between capacities


def candidates(fixed: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The capacities to try, with what the caller fixed put in, each distinct one once; and the
    index of the reference among them."""
    chosen = {name: value for name, value in fixed.items() if value is not None}
    found: list[dict[str, Any]] = []
    for capacity in CAPACITIES:
        candidate = {**capacity, **chosen}
        if candidate not in found:
            found.append(candidate)
    return found, found.index({**REFERENCE, **chosen})


def inner_folds(y01: np.ndarray, cv: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified, seeded folds; only the first when the table is large (see the module doc)."""
    fewest = int(np.bincount(y01, minlength=2).min())
    if fewest < cv:
        raise ValueError(
            f"cv={cv} needs at least {cv} rows of each class; the rarer class has {fewest}: "
            "lower cv, pass eval_set, or set cv=None and calibration=None"
        )
    folds = list(StratifiedKFold(cv, shuffle=True, random_state=seed).split(y01, y01))
    return folds[:1] if len(y01) > ONE_FOLD_ROWS else folds


def cross_validate(
    rows: Rows,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    capacity: Mapping[str, Any],
    params: Params,
    boosting: tuple[int, int],
) -> tuple[Trial, np.ndarray]:
    """Boost the folds in lockstep with early stopping; the trial and the out-of-fold margins.

    ``boosting`` is (most rounds, early-stopping patience). Margins of rows in no evaluated fold
    are NaN.
    """
    most_rounds, patience = boosting
    lgb_params = params(capacity)
    result = lgb.cv(
        lgb_params,
        rows.dataset(lgb_params),
        num_boost_round=most_rounds,
        folds=folds,
        callbacks=[lgb.early_stopping(patience, verbose=False)],
        return_cvbooster=True,
    )
    cv_booster = cast(lgb.CVBooster, result["cvbooster"])
    losses = cast(list[float], result["valid binary_logloss-mean"])
    rounds = int(cv_booster.best_iteration) if cv_booster.best_iteration > 0 else len(losses)
    margin = np.full(len(rows.y01), np.nan)
    for booster, (_, held) in zip(cv_booster.boosters, folds, strict=True):
        margin[held] = booster.predict(rows.matrix[held], num_iteration=rounds, raw_score=True)
    seen = ~np.isnan(margin)
    row_loss = _row_log_loss(rows.y01[seen], margin[seen])
    auc = float(roc_auc_score(rows.y01[seen], margin[seen]))
    return Trial(dict(capacity), rounds, float(losses[rounds - 1]), auc, row_loss), margin


def against_eval_set(
    rows: Rows,
    held: tuple[np.ndarray, np.ndarray],
    capacity: Mapping[str, Any],
    params: Params,
    boosting: tuple[int, int],
) -> tuple[Trial, lgb.Booster]:
    """Boost every training row with early stopping on ``held``; the trial and the booster."""
    most_rounds, patience = boosting
    lgb_params = params(capacity)
    client = _dask_client.get()
    if client is not None:
        booster, losses = _boost_on_dask(client, rows, held, lgb_params, most_rounds)
        rounds = _early_stopping_round(losses, patience)
        return _trial(capacity, rounds, losses[rounds - 1], held, booster), booster
    train_set = rows.dataset(lgb_params)
    valid = lgb.Dataset(held[0], label=held[1], reference=train_set)
    scores: dict[str, Any] = {}
    booster = lgb.train(
        lgb_params,
        train_set,
        num_boost_round=most_rounds,
        valid_sets=[valid],
        valid_names=["held"],
        callbacks=[
            lgb.early_stopping(patience, verbose=False),
            lgb.record_evaluation(scores),
        ],
    )
    rounds = booster.best_iteration if booster.best_iteration > 0 else booster.current_iteration()
    log_loss = float(scores["held"]["binary_logloss"][rounds - 1])
    return _trial(capacity, rounds, log_loss, held, booster), booster


def _trial(
    capacity: Mapping[str, Any], rounds: int, log_loss: float,
    held: tuple[np.ndarray, np.ndarray], booster: lgb.Booster,
) -> Trial:  # fmt: skip
    margin = np.asarray(booster.predict(held[0], num_iteration=rounds, raw_score=True))
    auc = float(roc_auc_score(held[1], margin))
    return Trial(dict(capacity), rounds, log_loss, auc, _row_log_loss(held[1], margin))


def _boost_on_dask(
    client: Any, rows: Rows, held: tuple[np.ndarray, np.ndarray],
    lgb_params: Mapping[str, Any], most_rounds: int,
) -> tuple[lgb.Booster, list[float]]:  # fmt: skip
    """``lightgbm.dask`` on the client's workers, the rows split evenly among them: the booster
    of ``most_rounds`` rounds and its held-out log-loss after each round.

    The losses are computed here, tree by tree: a Dask estimator records an eval_set only on
    the rows the worker that returns the model happened to hold.
    """
    import dask.array as da
    from lightgbm.dask import DaskLGBMClassifier

    workers = max(1, len(client.scheduler_info()["workers"]))
    chunk = -(-len(rows.y01) // workers)  # ceil: one block of rows per worker
    # One thread a worker (the cluster's own setting); the classifier sets the objective.
    params = {k: v for k, v in lgb_params.items() if k not in ("objective", "num_threads")}
    model = DaskLGBMClassifier(client=client, n_estimators=most_rounds, n_jobs=None, **params)
    model.fit(
        da.from_array(rows.matrix, chunks=(chunk, rows.matrix.shape[1])),
        da.from_array(rows.y01, chunks=chunk),
        feature_name=[f"f{i}" for i in range(rows.matrix.shape[1])],
        categorical_feature=rows.categorical,
    )
    booster = model.booster_
    trees = np.column_stack([
        booster.predict(held[0], start_iteration=i, num_iteration=1, raw_score=True)
        for i in range(booster.current_iteration())
    ])  # fmt: skip
    margins = np.cumsum(trees, axis=1)
    losses = [float(_row_log_loss(held[1], margins[:, i]).mean()) for i in range(trees.shape[1])]
    return booster, losses


def _early_stopping_round(losses: Sequence[float], patience: int) -> int:
    """The round (from 1) LightGBM's early stopping would keep: the best seen before
    ``patience`` rounds pass without a better one."""
    best = 0
    for i in range(1, len(losses)):
        if losses[i] < losses[best]:
            best = i
        elif i - best >= patience:
            break
    return best + 1


def _row_log_loss(y01: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Each row's log-loss of the margin (log-odds): log(1 + exp(-margin)) for positives."""
    signed = np.where(y01 == 1, margin, -margin)
    return np.asarray(np.logaddexp(0.0, -signed), dtype="float64")


def best(trials: Sequence[Trial], reference: int) -> int:
    """The trial with the lowest held-out log-loss if it beats the reference's clearly, else the
    reference.

    "Clearly" is by more than one standard error of the mean paired difference of the rows'
    log-losses: among a few capacities the lowest held-out loss is partly luck (on a table of
    tens of thousands of rows they differ in the fourth decimal), and choosing by luck changes
    a well-tried model for nothing; a small table that needs stumps beats it by several.
    """
    leader = int(np.argmin([trial.log_loss for trial in trials]))
    gain = trials[reference].row_loss - trials[leader].row_loss
    if leader == reference or len(gain) < 2:
        return reference
    standard_error = float(np.std(gain, ddof=1)) / np.sqrt(len(gain))
    return leader if float(np.mean(gain)) > standard_error else reference


def results_table(trials: Sequence[Trial], chosen: int) -> pd.DataFrame:
    """One row per capacity tried: its parameters, rounds, held-out log-loss and AUC."""
    rows = [
        {**trial.capacity, "rounds": trial.rounds, "log_loss": trial.log_loss, "auc": trial.auc}
        for trial in trials
    ]
    table = pd.DataFrame(rows)
    table["chosen"] = np.arange(len(rows)) == chosen
    return table
