"""What the learned scorers share: input handling, prediction, explanation.

A subclass fits its model in ``fit`` (after ``_start_fit``) and implements two methods on a checked
table: ``_positive_proba`` (P(positive class) per row) and ``_contribution_values`` (per-feature
contributions, positive = towards the positive class, one column per fitted feature). Prediction
takes a DataFrame, a 2-D array or a mapping of column names to 1-D arrays (``_checks.Columns``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from credit_scoring.models._checks import (
    Columns,
    as_frame,
    column_kinds,
    encode_labels,
    row_index,
    select_columns,
)
from credit_scoring.models._reasons import Reason, reason_codes, top_reasons


class _TableClassifier(ClassifierMixin, BaseEstimator):
    """Base of the scorers: a binary classifier over a pandas feature table."""

    positive_class: Any
    categorical_features: Any

    def _start_fit(self, X: Any, y: Any) -> tuple[pd.DataFrame, np.ndarray]:
        """Check ``X`` and ``y``, set the fitted attributes every scorer has; return frame, y01."""
        frame = as_frame(X)
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ValueError(f"X must have rows and columns; got shape {frame.shape}")
        y01, self.classes_ = encode_labels(y, self.positive_class, n_rows=len(frame))
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        self.feature_kinds_ = column_kinds(frame, self.categorical_features)
        self.reason_codes_ = reason_codes(list(frame.columns))
        return frame, y01

    def _checked_frame(self, X: Any) -> Columns:
        """The fitted columns of ``X``, by name, in fitted order (a mapping: as it is)."""
        check_is_fitted(self)
        names = list(self.feature_names_in_)
        return select_columns(X if isinstance(X, Mapping) else as_frame(X, names), names)

    def _positive_proba(self, frame: Columns) -> np.ndarray:
        raise NotImplementedError

    def _contribution_values(self, frame: Columns) -> np.ndarray:
        raise NotImplementedError

    def _contributions(self, frame: Columns) -> pd.DataFrame:
        return pd.DataFrame(
            self._contribution_values(frame),
            index=row_index(frame),
            columns=list(self.feature_names_in_),
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n, 2); column 1 is P(``classes_[1]``, the positive class).

        Parameters
        ----------
        X : DataFrame
            The fitted columns (found by name; extra columns are ignored).

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        positive = np.clip(self._positive_proba(self._checked_frame(X)), 0.0, 1.0)
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:
        """The positive class where its probability exceeds 0.5, else the negative class."""
        positive = self.predict_proba(X)[:, 1] > 0.5
        return self.classes_[positive.astype(int)]

    def contributions(self, X: Any) -> pd.DataFrame:
        """Per-row, per-feature contributions; positive values push towards the positive class.

        Together with ``base_value_`` they reproduce the model's raw output exactly; see the
        subclass for what that output is.

        Returns
        -------
        DataFrame
            Indexed like ``X``, one column per fitted feature.
        """
        return self._contributions(self._checked_frame(X))

    def contribution_values(self, X: Any) -> np.ndarray:
        """:meth:`contributions` as a bare array, columns in ``feature_names_in_`` order."""
        return self._contribution_values(self._checked_frame(X))

    def explain(self, X: Any, top_k: int = 4) -> list[list[Reason]]:
        """Reason codes: per row, its at most ``top_k`` adverse contributions, largest first.

        Parameters
        ----------
        X : DataFrame
            Rows to explain.
        top_k : int, default 4
            Most reasons per row.

        Returns
        -------
        list of list of dict
            One list per row of ``{"feature", "value", "contribution", "code"}``; only
            contributions > 0 (towards the positive class) appear.
        """
        frame = self._checked_frame(X)
        values = pd.DataFrame(frame)  # a mapping of columns too
        return top_reasons(self._contributions(frame), values, self.reason_codes_, top_k)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags
