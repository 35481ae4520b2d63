"""Input, label and parameter checks shared by the learned scorers.

Both scorers take any pandas feature table, so the rules for what a column *is* live here once:

* bool and numeric columns are **numeric** (bools as 0/1, so a yes/no flag can carry a monotone
  constraint); object, string and category columns are **categorical**; anything else (dates,
  timedeltas, complex numbers) is refused with a message saying what to do instead;
* ``categorical_features`` can force a numeric column (a region code, say) to be categorical;
* ±inf counts as missing: real ratio columns carry divisions by zero, and the binning cannot place
  an infinite value in a bin;
* at prediction time the fitted columns are picked by name; extra columns are ignored (feature
  tables carry identifiers) and missing ones are an error that names them;
* a table is a DataFrame or, on the one-subject path, a plain mapping of column names to 1-D
  arrays (:data:`Columns`): pandas spends about 10 µs on every column it hands out, so a few
  rows scored through a frame cost milliseconds of overhead for microseconds of arithmetic.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

NUMERIC = "numeric"
CATEGORICAL = "categorical"

Columns = pd.DataFrame | Mapping[str, Any]  # a feature table: a frame, or name -> 1-D array


def row_count(table: Columns) -> int:
    """The number of rows of a frame or of a mapping of equally long columns."""
    if isinstance(table, pd.DataFrame):
        return len(table)
    return len(next(iter(table.values()))) if table else 0


def row_index(table: Columns) -> pd.Index:
    """The frame's index, or 0..n-1 for a mapping of columns."""
    return table.index if isinstance(table, pd.DataFrame) else pd.RangeIndex(row_count(table))


def as_frame(X: Any, feature_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Return ``X`` as a DataFrame with unique string column names.

    A 2-D array gets the fitted ``feature_names`` when its width matches them, else ``x0, x1, ...``.
    """
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        values = np.asarray(X, dtype=object if _has_strings(X) else None)
        if values.ndim != 2:
            raise ValueError(f"X must be a 2-D table; got an array of shape {values.shape}")
        width = values.shape[1]
        if feature_names is not None and len(feature_names) == width:
            names = list(feature_names)
        else:
            names = [f"x{i}" for i in range(width)]
        frame = pd.DataFrame(values, columns=names)
    names = [str(name) for name in frame.columns]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"X has repeated column names: {repeated}")
    if list(frame.columns) != names:
        frame = frame.set_axis(names, axis=1)
    return frame


def _has_strings(X: Any) -> bool:
    # np.asarray on a list of mixed rows would turn every number into a string.
    return isinstance(X, list) and any(isinstance(v, str) for row in X for v in np.ravel(row))


def column_kinds(frame: pd.DataFrame, categorical_features: Iterable[str] | None) -> dict[str, str]:
    """Map each column to ``NUMERIC`` or ``CATEGORICAL`` (see the module docstring)."""
    forced = _names_in(frame, categorical_features, "categorical_features")
    kinds: dict[str, str] = {}
    for name, dtype in frame.dtypes.items():
        column = str(name)
        if column in forced:
            kinds[column] = CATEGORICAL
        elif ptypes.is_bool_dtype(dtype) or (
            ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype)
        ):
            kinds[column] = NUMERIC
        elif (
            isinstance(dtype, pd.CategoricalDtype)
            or ptypes.is_object_dtype(dtype)
            or ptypes.is_string_dtype(dtype)
        ):
            kinds[column] = CATEGORICAL
        else:
            raise TypeError(
                f"column {column!r} has dtype {dtype}, which the scorers do not take; "
                "turn dates into ages or durations (numbers) first"
            )
    return kinds


def _names_in(frame: pd.DataFrame, names: Iterable[str] | None, parameter: str) -> set[str]:
    if names is None:
        return set()
    if isinstance(names, str):
        raise TypeError(f"{parameter} must be a list of column names; got the string {names!r}")
    wanted = {str(name) for name in names}
    absent = sorted(wanted - set(frame.columns))
    if absent:
        raise ValueError(f"{parameter} names columns that are not in X: {absent}")
    return wanted


def numeric_values(series: pd.Series | np.ndarray) -> np.ndarray:
    """Float values of a numeric column; missing and ±inf become NaN.

    A column that arrives as text at prediction time is converted if every value is a number.
    """
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iub":
        return np.asarray(series, dtype="float64")  # plain numpy ints: no missing, no infinity
    if isinstance(series.dtype, np.dtype) and series.dtype.kind == "f":
        values = np.array(series, dtype="float64", copy=True)  # NaN is already missing
        values[np.isinf(values)] = np.nan
        return values
    if isinstance(series, np.ndarray):
        series = pd.Series(series)
    if not (ptypes.is_numeric_dtype(series.dtype) or ptypes.is_bool_dtype(series.dtype)):
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        if bad.any():
            example = series[bad].iloc[0]
            raise ValueError(
                f"column {series.name!r} was numeric when the model was fitted, "
                f"but holds {example!r}"
            )
        series = converted
    values = series.to_numpy(dtype="float64", na_value=np.nan, copy=True)
    values[np.isinf(values)] = np.nan
    return values


def categorical_values(series: pd.Series | np.ndarray) -> np.ndarray:
    """Object array of the column's values as strings, with NaN for missing values."""
    # Convert each distinct value once: a million rows hold a handful of categories.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = np.array([_category_text(value) for value in uniques] + [np.nan], dtype=object)
    return texts[codes]  # code -1 (missing) picks the trailing NaN


def _category_text(value: Any) -> str:
    # A code column read as float because of one gap (3.0) must match the same code read as int (3).
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def encode_labels(y: Any, positive_class: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(y01, classes)``: 1 marks the positive (adverse) class, ``classes[1]``.

    With labels {0, 1} (or bools) the positive class is 1/True unless ``positive_class`` says
    otherwise; any other pair of labels needs ``positive_class``.
    """
    labels = _label_array(y, n_rows)
    found = list(pd.unique(labels))
    if len(found) != 2:
        raise ValueError(f"y must hold exactly two labels; found {len(found)}: {found[:10]}")
    if positive_class is None:
        if not set(found) <= {0, 1}:
            raise ValueError(
                f"positive_class must be given when the labels are not 0/1; labels found: {found}"
            )
        positive = next(label for label in found if label == 1)
    else:
        matches = [label for label in found if label == positive_class]
        if not matches:
            raise ValueError(
                f"positive_class={positive_class!r} is not one of the labels found: {found}"
            )
        positive = matches[0]
    negative = next(label for label in found if label is not positive)
    classes = np.array([negative, positive], dtype=labels.dtype)
    return (labels == positive).astype(np.int64), classes


def encode_known_labels(y: Any, classes: np.ndarray, n_rows: int, what: str) -> np.ndarray:
    """0/1 encoding of labels that must all be among the fitted ``classes``."""
    labels = _label_array(y, n_rows)
    unknown = [label for label in pd.unique(labels) if not (label == classes).any()]
    if unknown:
        raise ValueError(f"{what} holds labels the model was not fitted on: {unknown[:10]}")
    return (labels == classes[1]).astype(np.int64)


def _label_array(y: Any, n_rows: int) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    if labels.ndim != 1:
        raise ValueError(f"y must be one column of labels; got shape {labels.shape}")
    if len(labels) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(labels)} labels")
    if pd.isna(labels).any():
        raise ValueError("y holds missing labels; drop those rows or label them")
    return labels


def check_monotone(monotone: Any, kinds: Mapping[str, str]) -> dict[str, int]:
    """Validate ``monotone`` against the columns; return only the non-zero constraints."""
    if monotone is None:
        return {}
    if not isinstance(monotone, Mapping):
        raise TypeError(
            f"monotone must map column names to -1, 0 or 1; got a {type(monotone).__name__}"
        )
    bad = {name: sign for name, sign in monotone.items() if not _is_sign(sign)}
    if bad:
        raise ValueError(f"monotone must map column names to -1, 0 or 1; got {bad}")
    absent = sorted(str(name) for name in monotone if str(name) not in kinds)
    if absent:
        raise ValueError(f"monotone names columns that are not in X: {absent}")
    constrained = {str(name): int(sign) for name, sign in monotone.items() if sign != 0}
    categorical = sorted(name for name in constrained if kinds[name] == CATEGORICAL)
    if categorical:
        raise ValueError(
            f"monotone needs ordered (numeric or bool) columns, but {categorical} are "
            "categorical; drop them from monotone or encode them as numbers"
        )
    return constrained


def _is_sign(value: Any) -> bool:
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    return integral and value in (-1, 0, 1)


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> None:
    """Raise ``ValueError`` unless ``value`` is a (whole, if ``integer``) number in range."""
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        what = "a whole number" if integer else "a number"
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            bounds.append(f"{'<' if high_open else '<='} {high:g}")
        limits = f" {' and '.join(bounds)}" if bounds else ""
        raise ValueError(f"{name} must be {what}{limits}; got {value!r}")


def check_options(name: str, value: Any, options: Sequence[Any]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``options``."""
    if not any(value is option or value == option for option in options):
        raise ValueError(f"{name} must be one of {list(options)}; got {value!r}")


def check_mapping(name: str, value: Any) -> dict[str, Any]:
    """``None`` or a dict with string keys, returned as a dict."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"{name} must be a dict of keyword arguments; got {value!r}")
    return dict(value)


def select_columns(frame: Columns, names: Sequence[str]) -> Columns:
    """The fitted columns in fitted order; extra columns are ignored, missing ones are an error.

    A mapping of columns is returned as it is: the scorers read it by name.
    """
    absent = [name for name in names if name not in frame]
    if absent:
        raise ValueError(
            f"X lacks {len(absent)} column(s) the model was fitted on: {absent[:10]}"
            + (" ..." if len(absent) > 10 else "")
        )
    if not isinstance(frame, pd.DataFrame) or list(frame.columns) == list(names):
        return frame  # already the fitted columns in order: no copy
    return frame[list(names)]
