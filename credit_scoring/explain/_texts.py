"""The JSON text of reasons, built a column of rows at a time.

A reason's text depends only on its feature and the feature's value, and most subjects share
their values, so the part of its JSON before the contribution (its "head": code, feature, texts,
value) is built once per distinct (kind, feature, value) and picked for every row by the value's
code. The rest is numpy arithmetic on object arrays (string concatenation in C), leaving a short
Python join per row; a million subjects' reasons take seconds, not minutes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from credit_scoring.features.catalog import SOURCES, Catalog, Feature
from credit_scoring.models._checks import Columns, row_count
from credit_scoring.policies import GradingPolicy
from credit_scoring.records.codes import CodeList

__all__ = ["ReasonTexts"]

NO_RECORDS = "[]"
_GROUPED_ROWS = 1_000  # from this many rows, values are grouped before their texts are built
_NO_EVIDENCE = ("无足以评为A级的守信记录", "no record showing compliance, so not A")


class ReasonTexts:
    """The JSON lists of reasons of the rows of one feature table."""

    def __init__(self, catalog: Catalog, policy: GradingPolicy, features: Columns) -> None:
        self.catalog = catalog
        self.by_code = {o.code: o for o in policy.overrides}
        self.features = features
        self._codes: dict[str, tuple[np.ndarray, list[object]]] = {}
        self._heads: dict[tuple[str, str], np.ndarray] = {}

    def lists(
        self,
        kind: str,
        chosen: np.ndarray,
        contributions: np.ndarray,
        names: list[str],
        record_ids: np.ndarray | None,
        unit: float,
    ) -> list[str]:
        """Per row, the JSON list of its chosen columns' reasons (``kind`` "reason" or
        "positive"); ``chosen`` holds column numbers, -1 where a row has fewer. Each carries its
        contribution and what it moved the score: ``-contribution * unit`` points."""
        n_rows, k = chosen.shape
        points = np.take_along_axis(contributions, np.maximum(chosen, 0), axis=1)
        texts = []
        for rank in range(k):
            column = chosen[:, rank]
            valid = np.flatnonzero(column >= 0)
            text = np.full(n_rows, "", dtype=object)
            if len(valid):
                heads = self._heads_of(kind, column, valid, names)
                raw = points[valid, rank].tolist()
                shown = np.array([repr(round(p, 6)) for p in raw], dtype=object)
                moved = np.array([repr(round(-p * unit, 1) + 0.0) for p in raw], dtype=object)
                ids = NO_RECORDS if record_ids is None else record_ids[valid, rank]
                text[valid] = (heads + ', "contribution": ' + shown + ', "record_ids": ' + ids
                               + ', "points": ' + moved + "}")  # fmt: skip
            texts.append(text.tolist())
        return ["[" + ", ".join(filter(None, parts)) + "]" for parts in zip(*texts, strict=True)]

    def overrides(self, codes: list[str], ids: Mapping[tuple[int, str], str]) -> list[str]:
        """Per row, the JSON list of the overrides applied (``;``-separated codes)."""
        texts = []
        for row, applied in enumerate(codes):
            parts = []
            for code in filter(None, applied.split(";")):
                if code == "EVIDENCE":
                    head = _head_json(code, "", *_NO_EVIDENCE, None)
                    parts.append(_line(head, NO_RECORDS))
                    continue
                name = self.by_code[code].feature
                head = self._heads_at(code, name, np.asarray([row]))[0]
                parts.append(_line(head, ids.get((row, name), NO_RECORDS)))
            texts.append("[" + ", ".join(parts) + "]")
        return texts

    def _heads_of(
        self, kind: str, column: np.ndarray, rows: np.ndarray, names: list[str]
    ) -> np.ndarray:
        heads = np.empty(len(rows), dtype=object)
        picked = column[rows]
        for j in np.unique(picked):
            where = np.flatnonzero(picked == j)
            heads[where] = self._heads_at(kind, names[j], rows[where])
        return heads

    def _heads_at(self, kind: str, name: str, rows: np.ndarray) -> np.ndarray:
        """The heads of ``rows``' values of feature ``name``, building the missing ones."""
        codes, values = self._distinct(name)
        at = codes[rows] if len(codes) else np.full(len(rows), -1)
        heads = self._heads.get((kind, name))
        if heads is None:
            heads = self._heads[(kind, name)] = np.full(len(values) + 1, None, dtype=object)
        for code in np.unique(at):
            if heads[code] is None:  # code -1 is the last slot: the missing value
                value = values[code] if code >= 0 else None
                heads[code] = self._head(kind, name, value)
        return heads[at]

    def _distinct(self, name: str) -> tuple[np.ndarray, list[object]]:
        """The column as codes of its distinct values (-1 for missing), and those values."""
        if name not in self._codes:
            if name not in self.features:
                self._codes[name] = (np.zeros(0, dtype=int), [])
            elif row_count(self.features) < _GROUPED_ROWS:  # a few rows: each its own value
                values = [_plain(v) for v in self.features[name].tolist()]
                self._codes[name] = (np.arange(len(values)), values)
            else:
                codes, uniques = pd.factorize(self.features[name], use_na_sentinel=True)
                self._codes[name] = (codes, [_plain(v) for v in uniques])
        return self._codes[name]

    def _head(self, kind: str, name: str, value: object) -> str:
        if kind in self.by_code:  # an override: the policy's text, the feature's value
            override = self.by_code[kind]
            return _head_json(kind, name, override.reason.zh, override.reason.en, value)
        feature = self.catalog[name]
        zh_value, en_value = _shown(feature, value)
        if kind == "positive" or value is None:  # described, not phrased as a fault
            zh = f"{feature.description.zh}：{zh_value}"
            en = f"{feature.description.en}: {en_value}"
        else:
            zh = feature.reason.zh.format(value=zh_value)
            en = feature.reason.en.format(value=en_value)
        return _head_json(f"RC_{name.upper()}", name, zh, en, value)


def _line(head: str, record_ids: str) -> str:
    return f'{head}, "contribution": 0.0, "record_ids": {record_ids}}}'


def _head_json(code: str, feature: str, zh: str, en: str, value: object) -> str:
    """A reason's JSON up to its contribution: the fields in :class:`Reason`'s order."""
    fields = {"code": code, "feature": feature, "text_zh": zh, "text_en": en, "value": value}
    return json.dumps(fields, ensure_ascii=False)[:-1]


def _plain(value: object) -> object:
    """A JSON-friendly Python value: numpy scalars unwrapped, missing as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return value.item() if hasattr(value, "item") else value


def _shown(feature: Feature, value: object) -> tuple[str, str]:
    """The value as a reader sees it, in Chinese and in English: an enumeration by its label,
    a number with thousands separators, a share as a percentage, nothing as "none on record"."""
    if value is None:
        return "无记录", "none on record"
    if feature.dtype == "category":
        codes = SOURCES[feature.source].get(feature.column or "")
        if isinstance(codes, CodeList) and str(value) in codes:
            return codes.label(str(value)), str(value).replace("_", " ")
        return str(value), str(value)
    number = float(value)  # type: ignore[arg-type]
    if feature.aggregation == "share":
        text = f"{number:.0%}"
    elif feature.dtype == "int" or number.is_integer():
        text = f"{int(number):,}"
    else:
        text = f"{number:,.2f}"
    return text, text
