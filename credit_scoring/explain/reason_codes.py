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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.errors import SubjectNotFound
from credit_scoring.features.catalog import Catalog, Feature
from credit_scoring.features.engine import build_features, provenance_table
from credit_scoring.models._conditions import GRADES
from credit_scoring.models.bundle import ScorerBundle
from credit_scoring.models.grading import GradingPolicy, grade_by_probability
from credit_scoring.models.rules import RuleScorecard, load_rule_policy
from credit_scoring.models.scoring import grade_table
from credit_scoring.records.store import Store

__all__ = ["Explanation", "Reason", "explain_grades", "explain_subject"]


@dataclass(frozen=True)
class Reason:
    code: str
    feature: str
    text_zh: str
    text_en: str
    value: Any
    contribution: float
    record_ids: list[str] = field(default_factory=list)


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
    """One explanation per row of ``grades`` (the output of ``grade_table`` on ``features``)."""
    contributions = _contributions(features, policy.authoritative, bundle)
    adverse = _top(contributions, top_k, adverse=True)
    positive = _top(contributions, top_k, adverse=False)
    subjects = features["uscc"].tolist()
    needed = {f for row in adverse for f, _ in row} | _override_features(grades, policy)
    records = {
        name: provenance_table(store, catalog[name], as_of=as_of, subjects=subjects)
        for name in needed
        if name in {f.name for f in catalog}
    }
    opinions = _second_opinions(features, policy, bundle)
    explanations = []
    for i, row in enumerate(grades.to_dict("records")):
        uscc = str(row["uscc"])
        values = features.iloc[i]
        explanations.append(
            Explanation(
                uscc=uscc,
                as_of=as_of,
                grade=str(row["grade"]),
                source=str(row["source"]),
                score=float(row["score"]),
                pd=_plain(row["pd"]),
                overrides=_override_reasons(str(row["overrides"]), policy, values, records, uscc),
                reasons=[
                    _reason(catalog, name, values, points, records.get(name, {}).get(uscc, []))
                    for name, points in adverse[i]
                ],
                positives=[_positive(catalog, n, values, points) for n, points in positive[i]],
                second_opinion=opinions[i],
                disagreement=_disagree(str(row["grade"]), opinions[i]),
                policy_version=str(row["policy_version"]),
                model_version=str(row["model_version"]),
            )
        )
    return explanations


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


def _top(contributions: pd.DataFrame, k: int, *, adverse: bool) -> list[list[tuple[str, float]]]:
    values = contributions.to_numpy(dtype=float)
    signed = values if adverse else -values
    order = np.argsort(-signed, axis=1, kind="stable")[:, :k]
    names = contributions.columns.to_numpy()
    rows = []
    for i, columns in enumerate(order):
        rows.append([(str(names[j]), float(values[i, j])) for j in columns if signed[i, j] > 1e-9])
    return rows


def _reason(
    catalog: Catalog, name: str, values: pd.Series, contribution: float, record_ids: list[str]
) -> Reason:
    feature = catalog[name]
    shown = _shown(feature, values[name])
    return Reason(
        code=f"RC_{name.upper()}",
        feature=name,
        text_zh=feature.reason.zh.format(value=shown),
        text_en=feature.reason.en.format(value=shown),
        value=_plain(values[name]),
        contribution=round(contribution, 6),
        record_ids=record_ids,
    )


def _positive(catalog: Catalog, name: str, values: pd.Series, contribution: float) -> Reason:
    """A factor in the subject's favour, described rather than phrased as a fault."""
    feature = catalog[name]
    shown = _shown(feature, values[name])
    return Reason(
        code=f"RC_{name.upper()}",
        feature=name,
        text_zh=f"{feature.description.zh}：{shown}",
        text_en=f"{feature.description.en}: {shown}",
        value=_plain(values[name]),
        contribution=round(contribution, 6),
    )


def _plain(value: Any) -> Any:
    """A JSON-friendly Python value: numpy scalars unwrapped, missing as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _shown(feature: Feature, value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "无 none"
    if feature.dtype == "category":
        return str(value)
    if feature.aggregation == "share":
        return f"{float(value):.0%}"
    if feature.dtype == "int" or float(value).is_integer():
        return f"{int(float(value)):,}"
    return f"{float(value):,.2f}"


def _override_features(grades: pd.DataFrame, policy: GradingPolicy) -> set[str]:
    applied = {code for codes in grades["overrides"] for code in str(codes).split(";") if code}
    return {o.feature for o in policy.overrides if o.code in applied}


def _override_reasons(
    codes: str,
    policy: GradingPolicy,
    values: pd.Series,
    records: dict[str, dict[str, list[str]]],
    uscc: str,
) -> list[Reason]:
    reasons = []
    by_code = {o.code: o for o in policy.overrides}
    for code in filter(None, codes.split(";")):
        if code == "EVIDENCE":
            zh, en = "无足以评为A级的守信记录", "no record showing compliance, so not A"
            reasons.append(Reason(code, "", zh, en, None, 0.0))
            continue
        override = by_code[code]
        value = values.get(override.feature)
        reasons.append(
            Reason(
                code=code,
                feature=override.feature,
                text_zh=override.reason.zh,
                text_en=override.reason.en,
                value=_plain(value),
                contribution=0.0,
                record_ids=records.get(override.feature, {}).get(uscc, []),
            )
        )
    return reasons


def _second_opinions(
    features: pd.DataFrame, policy: GradingPolicy, bundle: ScorerBundle | None
) -> list[dict[str, str]]:
    rules = bundle.rules_ if bundle is not None else RuleScorecard()
    opinions: dict[str, np.ndarray] = {"rules": rules.grades(features).to_numpy()}
    if bundle is not None:
        probabilities = bundle.probabilities(features)
        for name in ("scorecard", "gbm"):
            opinions[name] = grade_by_probability(probabilities[name].to_numpy(), policy)
    others = [n for n in opinions if n != policy.authoritative]
    return [{n: str(opinions[n][i]) for n in others} for i in range(len(features))]


def _disagree(grade: str, opinions: dict[str, str]) -> bool:
    return any(abs(GRADES.index(grade) - GRADES.index(g)) > 1 for g in opinions.values())


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
    features = build_features(store, catalog, as_of=as_of, subjects=[uscc])
    if features.empty:
        raise SubjectNotFound(f"no subject {uscc} registered by {as_of}")
    grades = grade_table(features, policy, bundle, model_version=model_version)
    explained = explain_grades(
        store, features, grades, as_of=as_of, catalog=catalog, policy=policy, bundle=bundle,
        top_k=top_k,
    )  # fmt: skip
    return explained[0]
