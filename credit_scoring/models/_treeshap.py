"""Exact TreeSHAP for many rows, one tree at a time over the rows' distinct decision patterns.

SHAP values of a tree ensemble are the sum of each tree's, and a tree reads a row only through
the side of each of its splits the row falls on. A tree of 15 leaves splits on a handful of
columns, so a million rows fall into a few hundred patterns per tree, even when almost every row
is distinct across all columns (a subject's age in days makes it so). Each pattern is explained
once, by LightGBM's own TreeSHAP on that one tree (``start_iteration``), and its values are
added to every row that shares it. The result equals ``pred_contrib=True`` on the whole model
up to the order of floating-point additions (about 1e-15).

Rows share a pattern when they agree, on every column the tree splits on, on how many of that
column's thresholds they exceed, on being "zero" in LightGBM's sense and on being missing;
category codes must be equal. Rows that agree on all that take the same side of every split, so
the grouping can only be finer than the tree's own, never coarser, and stays exact.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

__all__ = ["tree_by_tree_contributions"]

_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold: |x| up to it counts as zero
_KEY_LIMIT = 2**62  # a combined pattern key is re-numbered before it could overflow int64


def tree_by_tree_contributions(
    booster: lgb.Booster, matrix: np.ndarray, categorical: set[int], num_threads: int
) -> np.ndarray:
    """``booster.predict(matrix, pred_contrib=True)``, computed tree by tree on patterns.

    ``categorical`` holds the column numbers LightGBM treats as categories.
    """
    n_rows, n_columns = matrix.shape
    splits = booster.trees_to_dataframe()
    splits = splits[splits["split_feature"].notna()]
    by_tree = dict(tuple(splits.groupby("tree_index")))
    out = np.zeros((n_rows, n_columns + 1), dtype="float64", order="F")
    for tree in range(booster.num_trees()):
        tree_splits = by_tree.get(tree, splits.iloc[:0])
        pattern, first, columns = _patterns(matrix, tree_splits, categorical)
        values = booster.predict(
            matrix[first], pred_contrib=True, start_iteration=tree, num_iteration=1,
            num_threads=num_threads,
        )  # fmt: skip
        values = np.asarray(values, dtype="float64")
        for j in columns:
            out[:, j] += values[pattern, j]
        out[:, -1] += values[0, -1]  # a tree's expected value is the same for every row
    return out


def _patterns(
    matrix: np.ndarray, splits: pd.DataFrame, categorical: set[int]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Each row's pattern number in one tree, the first row of each pattern, and the columns
    the tree splits on."""
    key = np.zeros(len(matrix), dtype="int64")
    columns = []
    for name, column_splits in splits.groupby("split_feature"):
        j = int(str(name)[1:])  # LightGBM names the columns f0, f1, ...
        columns.append(j)
        if j in categorical:  # its splits list category sets ("0||3"), not thresholds
            thresholds = np.zeros(0)
        else:
            thresholds = np.unique(column_splits["threshold"].to_numpy(dtype="float64"))
        code, radix = _decision_code(matrix[:, j], thresholds, j in categorical)
        if int(key.max()) * radix + radix >= _KEY_LIMIT:
            key = pd.factorize(key)[0].astype("int64")
        key = key * radix + code
    pattern, uniques = pd.factorize(key)
    first = np.full(len(uniques), -1, dtype="int64")
    # The first row of each pattern: scatter in reverse so the smallest index wins.
    rows = np.arange(len(matrix) - 1, -1, -1)
    first[pattern[rows]] = rows
    return pattern.astype("int64"), first, sorted(columns)


def _decision_code(
    column: np.ndarray, thresholds: np.ndarray, categorical: bool
) -> tuple[np.ndarray, int]:
    """What one tree's splits on a column see of each row's value, as codes below a radix."""
    if categorical:  # equal codes (or both missing) go the same way at every split
        code = pd.factorize(column, use_na_sentinel=False)[0].astype("int64")
        return code, int(code.max()) + 1
    # A split sends x left when x <= threshold: how many thresholds lie below x decides.
    above = np.searchsorted(thresholds, column, side="left")
    code = above * 4 + (np.abs(column) <= _ZERO) * 2 + np.isnan(column)
    return code.astype("int64"), 4 * (len(thresholds) + 1)
