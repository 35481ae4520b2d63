"""Turn per-feature contributions into reason lists, the format every scorer's ``explain`` returns.

A reason is ``{"feature", "value", "contribution", "code"}``: the column, the row's raw value (plain
Python, ``None`` when missing, so it serialises to JSON), how far it pushed the row towards the
adverse class (SHAP log-odds for the GBM, points lost for the scorecard) and a stable code derived
from the column name. Only adverse contributions are reasons: a reviewer asks what cost the grade.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.models._checks import check_number

Reason = dict[str, Any]

# Contributions at or below this are floating-point noise (a row sitting in its characteristic's
# best bin loses "1e-14 points"), not reasons.
_NOISE = 1e-9


def reason_codes(names: Sequence[str]) -> dict[str, str]:
    """Map column names to codes ``R_<NAME>``: upper case, runs of non-word characters as ``_``.

    Word characters include Chinese, so ``逾期 次数`` becomes ``R_逾期_次数``. Two names that
    normalise alike get ``_2``, ``_3``, ... in column order, so every code stays unique.

    Examples
    --------
    >>> reason_codes(["penalty_count_365d", "逾期 次数"])
    {'penalty_count_365d': 'R_PENALTY_COUNT_365D', '逾期 次数': 'R_逾期_次数'}
    """
    codes: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        stem = "R_" + (re.sub(r"\W+", "_", name.strip()).strip("_").upper() or "FEATURE")
        code, suffix = stem, 2
        while code in taken:
            code, suffix = f"{stem}_{suffix}", suffix + 1
        codes[name] = code
        taken.add(code)
    return codes


def top_reasons(
    contributions: pd.DataFrame,
    values: pd.DataFrame,
    codes: Mapping[str, str],
    top_k: int,
) -> list[list[Reason]]:
    """Per row, the at most ``top_k`` largest adverse contributions, largest first.

    Ties keep column order, so the same row always gets the same list.
    """
    check_number("top_k", top_k, low=1, integer=True)
    scores = contributions.to_numpy(dtype="float64")
    names = list(contributions.columns)
    raw = values[names].to_numpy(dtype=object)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :top_k]
    reasons: list[list[Reason]] = []
    for row, columns in enumerate(order):
        reasons.append(
            [
                {
                    "feature": names[col],
                    "value": _plain(raw[row, col]),
                    "contribution": float(scores[row, col]),
                    "code": codes[names[col]],
                }
                for col in columns
                if scores[row, col] > _NOISE
            ]
        )
    return reasons


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar: numpy scalars unwrapped, missing values as ``None``."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
