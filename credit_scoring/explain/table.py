"""Explanations as one columnar table: the form a published snapshot stores and the API serves.

One row per subject. The scalar parts of an :class:`~credit_scoring.explain.Explanation` are
columns; its lists of reasons (overrides, adverse reasons, positive factors) and its second
opinion are JSON text, so serving one subject is a lookup and a ``json.loads``, and a million
rows stay a handful of Arrow columns rather than a million Python objects.

Examples
--------
>>> table = explanation_table(explanations)  # doctest: +SKIP
>>> explanation_from_row(table.iloc[0]).grade  # doctest: +SKIP
'D'
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from credit_scoring.explain.reason_codes import Explanation, Reason

__all__ = ["EXPLANATION_COLUMNS", "JSON_COLUMNS", "explanation_from_row", "explanation_table"]

JSON_COLUMNS = ("overrides", "reasons", "positives", "second_opinion")
EXPLANATION_COLUMNS = [
    "uscc", "as_of", "grade", "source", "score", "pd", "policy_version", "model_version",
    "disagreement", *JSON_COLUMNS,
]  # fmt: skip


def explanation_table(explanations: Iterable[Explanation]) -> pd.DataFrame:
    """The table of :data:`EXPLANATION_COLUMNS`, one row per explanation, in the given order."""
    rows = []
    for e in explanations:
        row = e.as_dict()
        for column in JSON_COLUMNS:
            row[column] = json.dumps(row[column], ensure_ascii=False)
        rows.append(row)
    return pd.DataFrame(rows, columns=EXPLANATION_COLUMNS)


def explanation_from_row(row: Mapping[str, Any]) -> Explanation:
    """The :class:`Explanation` one row of :func:`explanation_table` holds."""

    def reasons(column: str) -> list[Reason]:
        return [Reason(**r) for r in json.loads(row[column])]

    as_of = row["as_of"]
    return Explanation(
        uscc=str(row["uscc"]),
        as_of=as_of if isinstance(as_of, dt.date) else pd.Timestamp(as_of).date(),
        grade=str(row["grade"]),
        source=str(row["source"]),
        score=float(row["score"]),
        pd=None if pd.isna(row["pd"]) else float(row["pd"]),
        overrides=reasons("overrides"),
        reasons=reasons("reasons"),
        positives=reasons("positives"),
        second_opinion=json.loads(row["second_opinion"]),
        disagreement=bool(row["disagreement"]),
        policy_version=str(row["policy_version"]),
        model_version=str(row["model_version"]),
    )
