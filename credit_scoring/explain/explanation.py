"""What an explanation is, and its columnar form: what a published snapshot stores and the API
serves.

A :class:`Reason` is one line of an explanation: a stable code, the catalog's Chinese and English
text, the feature's value, its contribution and the ids of the records behind it. An
:class:`Explanation` is one subject's grade with its overrides, adverse reasons, positive factors
and the other scorers' second opinion.

As a table, one row per subject. The scalar parts of an explanation are columns; its lists of
reasons (overrides, adverse reasons, positive factors) and its second opinion are JSON text, so
serving one subject is a lookup and a ``json.loads``, and a million rows stay a handful of Arrow
columns rather than a million Python objects.

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
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "EXPLANATION_COLUMNS",
    "JSON_COLUMNS",
    "Explanation",
    "Reason",
    "explanation_from_row",
    "explanation_table",
]


@dataclass(frozen=True)
class Reason:
    code: str
    feature: str
    text_zh: str
    text_en: str
    value: Any
    contribution: float  # the scorer's own: points deducted, points below best, or log-odds
    record_ids: list[str] = field(default_factory=list)
    # What the reason moved the score, on the grade's score scale: negative lowers it. The same
    # unit for every scorer, so reasons read alike (None in snapshots before it was recorded).
    points: float | None = None


@dataclass(frozen=True)
class Explanation:
    uscc: str
    as_of: dt.date
    grade: str
    source: str
    score: float
    pd: float | None
    overrides: list[Reason]
    reasons: list[Reason]
    positives: list[Reason]
    second_opinion: dict[str, str]
    disagreement: bool
    policy_version: str
    model_version: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def explanation_from_row(row: Mapping[Any, Any] | pd.Series) -> Explanation:
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
