"""Reason codes: why a subject got its grade, each reason pointing at the records behind it.

The explanation follows the authoritative scorer of the grade policy:

- rule scorecard — each rule's points deducted (code ``R01`` …);
- WoE scorecard — points below each characteristic's best;
- GBM — TreeSHAP values (log-odds).

Its adverse contributions, largest first (four by default), become reason codes with the
catalog's Chinese and English text, the feature's value and the ids of the records that feature
counted. Overrides the grade policy applied come first, with the records that triggered them;
positive factors are listed apart; the other scorers' grades are a second opinion, flagged when
one is more than a grade away.

One builder, :func:`explain_table`, serves a million subjects and one alike: contributions and
their ranking are whole-matrix numpy, the records behind the reasons come from one query per
source (or, for the on-demand path, from the rows the features were computed from), and each
reason's JSON is assembled from fragments cached per (feature, value), since most subjects share
their values. :func:`explain_grades` and :func:`explain_subject` read that table back as
:class:`Explanation` objects.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring as _quoted

import numpy as np
import pandas as pd

from credit_scoring.errors import SubjectNotFound
from credit_scoring.explain.explanation import (
    EXPLANATION_COLUMNS,
    Explanation,
    explanation_from_row,
)
from credit_scoring.features.catalog import Catalog, Feature
from credit_scoring.features.engine import provenance_of_pairs
from credit_scoring.features.online import features_of_subjects
from credit_scoring.features.publicity import load_publicity_policy
from credit_scoring.models._conditions import GRADES
from credit_scoring.models.bundle import ScorerBundle
from credit_scoring.models.grading import GradingPolicy, grade_by_probability
from credit_scoring.models.rules import RuleScorecard, load_rule_policy
from credit_scoring.models.scoring import grade_table
from credit_scoring.records.store import Store

__all__ = ["explain_grades", "explain_subject", "explain_table"]

Records = Mapping[tuple[str, str], Iterable[str]]  # (uscc, feature) -> record ids, newest first
_FACTORIZED_ROWS = 1_000  # from this many rows, values are grouped before their text is built
_NO_EVIDENCE = ("无足以评为A级的守信记录", "no record showing compliance, so not A")


def explain_table(
    store: Store,
    features: pd.DataFrame,
    grades: pd.DataFrame,
    *,
    as_of: dt.date,
    catalog: Catalog,
    policy: GradingPolicy,
    bundle: ScorerBundle | None,
    top_k: int = 4,
    records: Records | None = None,
) -> pd.DataFrame:
    """The explanation of every row of ``grades`` (``grade_table`` on ``features``) as a table.

    Columns are :data:`~credit_scoring.explain.EXPLANATION_COLUMNS`, rows in the order of
    ``grades``. ``records`` gives the record ids behind each (subject, feature) when the caller
    already has them; otherwise they are read from the store for the pairs the reasons name.
    """
    contributions = _contributions(features, policy.authoritative, bundle)
    names = contributions.columns.tolist()
    values = contributions.to_numpy(dtype=float)
    adverse, positive = _top(values, top_k, adverse=True), _top(values, top_k, adverse=False)
    usccs = features["uscc"].astype(str).tolist()
    overrides = grades["overrides"].astype(str).tolist()
    if records is None:
        wanted = _wanted_pairs(usccs, names, adverse, overrides, policy)
        known = wanted["feature"].isin([f.name for f in catalog])
        records = provenance_of_pairs(store, catalog, wanted[known], as_of=as_of)
    fragments = _Fragments(catalog, policy, features)
    reasons, positives, applied = [], [], []
    # Plain Python lists: a million rows are walked once, and numpy scalars cost per access.
    adverse_rows, positive_rows = _pairs(values, adverse), _pairs(values, positive)
    for i, uscc in enumerate(usccs):
        reasons.append(fragments.reasons(i, adverse_rows[i], names, uscc, records))
        positives.append(fragments.positives(i, positive_rows[i], names))
        applied.append(fragments.overrides(i, overrides[i], uscc, records))
    opinions, disagreement = _second_opinions(grades, policy)
    return pd.DataFrame(
        {
            "uscc": usccs,
            "as_of": as_of,
            "grade": grades["grade"].astype(str).to_numpy(),
            "source": grades["source"].astype(str).to_numpy(),
            "score": grades["score"].to_numpy(dtype=float),
            "pd": grades["pd"].to_numpy(dtype=float),
            "policy_version": grades["policy_version"].astype(str).to_numpy(),
            "model_version": grades["model_version"].astype(str).to_numpy(),
            "disagreement": disagreement,
            # Plain Python strings: converting a million JSON texts to Arrow strings here cost
            # more than building them; whoever stores the table converts once.
            "overrides": pd.Series(applied, dtype=object),
            "reasons": pd.Series(reasons, dtype=object),
            "positives": pd.Series(positives, dtype=object),
            "second_opinion": pd.Series(opinions, dtype=object),
        }
    )[EXPLANATION_COLUMNS]


def explain_grades(
    store: Store,
    features: pd.DataFrame,
    grades: pd.DataFrame,
    *,
    as_of: dt.date,
    catalog: Catalog,
    policy: GradingPolicy,
    bundle: ScorerBundle | None,
    top_k: int = 4,
) -> list[Explanation]:
    """One :class:`Explanation` per row of ``grades``: :func:`explain_table`, read back."""
    table = explain_table(
        store, features, grades, as_of=as_of, catalog=catalog, policy=policy, bundle=bundle,
        top_k=top_k,
    )  # fmt: skip
    return [explanation_from_row(row) for row in table.to_dict("records")]


def explain_subject(
    store: Store,
    uscc: str,
    *,
    as_of: dt.date,
    catalog: Catalog,
    policy: GradingPolicy,
    bundle: ScorerBundle | None,
    model_version: str = "none",
    top_k: int = 4,
) -> Explanation:
    """Grade and explain one subject from the store on demand; equals the batch result."""
    features, counted = features_of_subjects(
        store, catalog, as_of=as_of, subjects=[uscc], policy=load_publicity_policy()
    )
    if features.empty:
        raise SubjectNotFound(f"no subject {uscc} registered by {as_of}")
    grades = grade_table(features, policy, bundle, model_version=model_version)
    records = {(uscc, name): ids for name, ids in counted.get(uscc, {}).items() if ids}
    table = explain_table(
        store, features, grades, as_of=as_of, catalog=catalog, policy=policy, bundle=bundle,
        top_k=top_k, records=records,
    )  # fmt: skip
    return explanation_from_row(table.iloc[0])


def _contributions(
    features: pd.DataFrame, source: str, bundle: ScorerBundle | None
) -> pd.DataFrame:
    """Per feature, how much it pushed each row towards an adverse outcome (positive: adverse)."""
    if source == "rules" or bundle is None:
        rules = bundle.rules_ if bundle is not None else RuleScorecard()
        by_rule = -rules.contributions(features)  # points deducted are adverse
        policy = load_rule_policy()
        return by_rule.rename(columns={r.code: r.feature for r in policy.rules})
    X = features[bundle.features_]
    if source == "scorecard":
        return bundle.scorecard_.contributions(X)  # points lost below each characteristic's best
    return bundle.gbm_.contributions(X).drop(columns=["base_value"], errors="ignore")


def _top(values: np.ndarray, k: int, *, adverse: bool) -> np.ndarray:
    """Per row, the columns of its ``k`` largest adverse (or favourable) contributions, largest
    first; -1 pads rows with fewer. Ties keep column order."""
    signed = values if adverse else -values
    order = np.argsort(-signed, axis=1, kind="stable")[:, :k]
    kept = np.take_along_axis(signed, order, axis=1) > 1e-9
    return np.where(kept, order, -1)


def _pairs(values: np.ndarray, chosen: np.ndarray) -> list[list[tuple[int, float]]]:
    """Per row, (column, contribution) of its chosen columns, skipping the -1 padding."""
    picked = np.take_along_axis(values, np.maximum(chosen, 0), axis=1).tolist()
    return [
        [(j, v) for j, v in zip(columns, row, strict=True) if j >= 0]
        for columns, row in zip(chosen.tolist(), picked, strict=True)
    ]


def _wanted_pairs(
    usccs: list[str],
    names: list[str],
    adverse: np.ndarray,
    overrides: list[str],
    policy: GradingPolicy,
) -> pd.DataFrame:
    """The (subject, feature) pairs whose records the explanations show."""
    rows, columns = np.nonzero(adverse >= 0)
    subjects = np.asarray(usccs, dtype=object)
    features = np.asarray(names, dtype=object)[adverse[rows, columns]]
    pairs = [pd.DataFrame({"uscc": subjects[rows], "feature": features})]
    by_code = {o.code: o.feature for o in policy.overrides}
    extra = [
        (uscc, by_code[code])
        for uscc, codes in zip(usccs, overrides, strict=True)
        if codes
        for code in codes.split(";")
        if code in by_code
    ]
    pairs.append(pd.DataFrame(extra, columns=["uscc", "feature"]))
    return pd.concat(pairs, ignore_index=True).drop_duplicates()


class _Fragments:
    """Each reason's JSON, built from parts cached by (feature, value): their text is the same
    for every subject with that value, and most subjects share their values."""

    def __init__(self, catalog: Catalog, policy: GradingPolicy, features: pd.DataFrame) -> None:
        self.catalog = catalog
        self.by_code = {o.code: o for o in policy.overrides}
        self.features = features
        self._values: dict[str, tuple[np.ndarray, list[object]]] = {}
        self._heads: dict[tuple[str, str, int], str] = {}

    def reasons(self, i: int, found: list[tuple[int, float]], names: list[str], uscc: str,
                records: Records) -> str:  # fmt: skip
        parts = [
            _line(self._head("reason", names[j], i), points, records.get((uscc, names[j]), ()))
            for j, points in found
        ]
        return "[" + ", ".join(parts) + "]"

    def positives(self, i: int, kept: list[tuple[int, float]], names: list[str]) -> str:
        parts = [_line(self._head("positive", names[j], i), points, ()) for j, points in kept]
        return "[" + ", ".join(parts) + "]"

    def overrides(self, i: int, codes: str, uscc: str, records: Records) -> str:
        parts = []
        for code in filter(None, codes.split(";")):
            if code == "EVIDENCE":
                parts.append(_line(_head_json(code, "", *_NO_EVIDENCE, None), 0.0, ()))
                continue
            name = self.by_code[code].feature
            head = self._head(code, name, i)
            parts.append(_line(head, 0.0, records.get((uscc, name), ())))
        return "[" + ", ".join(parts) + "]"

    def _head(self, kind: str, name: str, i: int) -> str:
        codes, values = self._distinct(name)
        code = int(codes[i]) if len(codes) else -1
        key = (kind, name, code)
        head = self._heads.get(key)
        if head is None:
            value = values[code] if code >= 0 else None
            head = self._heads[key] = self._build_head(kind, name, value)
        return head

    def _distinct(self, name: str) -> tuple[np.ndarray, list[object]]:
        """The column as codes of its distinct values (-1 for missing), and those values."""
        if name not in self._values:
            if name not in self.features.columns:
                self._values[name] = (np.zeros(0, dtype=int), [])
            elif len(self.features) < _FACTORIZED_ROWS:  # a few rows: each its own value
                values = [_plain(v) for v in self.features[name].tolist()]
                self._values[name] = (np.arange(len(values)), values)
            else:
                codes, uniques = pd.factorize(self.features[name], use_na_sentinel=True)
                self._values[name] = (codes, [_plain(v) for v in uniques])
        return self._values[name]

    def _build_head(self, kind: str, name: str, value: object) -> str:
        if kind in self.by_code:  # an override: the policy's text, the feature's value
            override = self.by_code[kind]
            return _head_json(kind, name, override.reason.zh, override.reason.en, value)
        feature = self.catalog[name]
        shown = _shown(feature, value)
        if kind == "positive":  # a factor in the subject's favour, described, not a fault
            zh, en = f"{feature.description.zh}：{shown}", f"{feature.description.en}: {shown}"
        else:
            zh, en = feature.reason.zh.format(value=shown), feature.reason.en.format(value=shown)
        return _head_json(f"RC_{name.upper()}", name, zh, en, value)


def _line(head: str, contribution: float, record_ids: Iterable[str]) -> str:
    """One reason's JSON: its head, then contribution and record ids (float repr is JSON's)."""
    ids = ", ".join(map(_quoted, record_ids))
    return f'{head}, "contribution": {round(contribution, 6)!r}, "record_ids": [{ids}]}}'


def _head_json(code: str, feature: str, zh: str, en: str, value: object) -> str:
    """A reason's JSON up to its contribution: the fields in :class:`Reason`'s order."""
    fields = {"code": code, "feature": feature, "text_zh": zh, "text_en": en, "value": value}
    return json.dumps(fields, ensure_ascii=False)[:-1]


def _plain(value: object) -> object:
    """A JSON-friendly Python value: numpy scalars unwrapped, missing as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    return value.item() if hasattr(value, "item") else value


def _shown(feature: Feature, value: object) -> str:
    if value is None:
        return "无 none"
    if feature.dtype == "category":
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if feature.aggregation == "share":
        return f"{number:.0%}"
    if feature.dtype == "int" or number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def _second_opinions(grades: pd.DataFrame, policy: GradingPolicy) -> tuple[list[str], np.ndarray]:
    """The other scorers' grades as JSON, and whether one is more than a grade from the grade.

    They come from the grade records themselves (rule grade, scorecard and GBM probabilities),
    so nothing is scored twice.
    """
    opinions = {"rules": grades["rules_grade"].astype(str).to_numpy()}
    for name in ("scorecard", "gbm"):
        probability = grades[f"{name}_pd"].to_numpy(dtype=float)
        if not np.isnan(probability).all():  # scored only with a trained bundle
            opinions[name] = grade_by_probability(probability, policy)
    others = [n for n in opinions if n != policy.authoritative]
    rank = {g: i for i, g in enumerate(GRADES)}
    final = np.asarray([rank[g] for g in grades["grade"].astype(str)], dtype=int)
    far = np.zeros(len(grades), dtype=bool)
    for name in others:
        far |= np.abs(np.asarray([rank[g] for g in opinions[name]], dtype=int) - final) > 1
    cache: dict[tuple[str, ...], str] = {}
    texts = []
    for combination in zip(*(opinions[n] for n in others), strict=True):
        text = cache.get(combination)
        if text is None:
            text = cache[combination] = json.dumps(dict(zip(others, combination, strict=True)))
        texts.append(text)
    if not others:
        texts = ["{}"] * len(grades)
    return texts, far
