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

One builder, :func:`explanation_columns`, serves a million subjects and one alike: contributions
and their ranking are whole-matrix numpy, the records behind the reasons come from one query per
source (or, for the on-demand path, from the rows the features were computed from), and the
reasons' JSON is assembled a column of rows at a time (:mod:`._texts`). :func:`explanation_frame`
makes it a DataFrame; :func:`explain_subject` reads one subject's back as an :class:`Explanation`;
:class:`credit_scoring.grading.Grader` calls them. Its inputs are tables of columns: DataFrames
in batch, plain arrays for one subject, whose DataFrame would cost more than explaining it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.errors import SubjectNotFound
from credit_scoring.explain._texts import NO_RECORDS, ReasonTexts
from credit_scoring.explain.explanation import (
    JSON_COLUMNS,
    Explanation,
    explanation_from_row,
)
from credit_scoring.features.catalog import Catalog
from credit_scoring.features.engine import provenance_of_pairs
from credit_scoring.features.online import HypotheticalEvent, feature_columns, feature_rows
from credit_scoring.models._checks import Columns, row_count
from credit_scoring.models.bundle import ScorerBundle
from credit_scoring.models.grading import grade_by_probability, opinion_grades, policy_domains
from credit_scoring.models.rules import RuleScorecard
from credit_scoring.models.scoring import POINTS_PER_LOG_ODDS, grade_columns
from credit_scoring.policies import GRADES, GradingPolicy, load_publicity_policy, load_rule_policy
from credit_scoring.records.store import Store

__all__ = ["explain_subject", "explanation_columns", "explanation_frame"]

Records = Mapping[tuple[str, str], Iterable[str]]  # (uscc, feature) -> record ids, newest first


def explanation_frame(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """:func:`explanation_columns` as a DataFrame (one row per subject)."""
    frame: dict[str, Any] = dict(columns)
    for name in JSON_COLUMNS:
        # Plain Python strings: converting a million JSON texts to Arrow strings here cost
        # more than building them; whoever stores the table converts once.
        frame[name] = pd.Series(columns[name], dtype=object)
    return pd.DataFrame(frame)


def explanation_columns(
    store: Store,
    features: Columns,
    grades: Columns,
    *,
    as_of: dt.date,
    catalog: Catalog,
    policy: GradingPolicy,
    bundle: ScorerBundle | None,
    top_k: int = 4,
    records: Records | None = None,
) -> dict[str, np.ndarray]:
    """The explanation of every row of ``grades`` (the grades of ``features``) as columns
    (:data:`~credit_scoring.explain.EXPLANATION_COLUMNS`, in order, 1-D arrays), rows in the
    order of ``grades``. ``records`` gives the record ids behind each (subject, feature) when
    the caller already has them; otherwise they are read from the store for the pairs the
    reasons name."""
    names, values = _contributions(features, policy.authoritative, bundle)
    adverse = _top(values, top_k, adverse=True)
    positive = _top(np.where(_may_be_positive(features, names, catalog), values, 0.0), top_k,
                    adverse=False)  # fmt: skip
    usccs = np.asarray(features["uscc"], dtype=object)
    overrides = [str(codes) for codes in np.asarray(grades["overrides"]).tolist()]
    wanted = _wanted_pairs(usccs, names, adverse, overrides, policy, catalog)
    found: Columns
    if records is None:
        found = provenance_of_pairs(store, catalog, pd.DataFrame(wanted), as_of=as_of)
    else:
        found = _given(wanted, records)
    reason_ids, override_ids = _placed(found, adverse.shape)
    texts = ReasonTexts(catalog, policy, features)
    unit = _points_per_unit(policy.authoritative, bundle)
    opinions, disagreement = _second_opinions(features, grades, policy)

    def objects(column: Any) -> np.ndarray:
        return np.asarray(column, dtype=object)

    return {
        "uscc": usccs,
        "as_of": np.full(len(usccs), as_of, dtype=object),
        "grade": objects(grades["grade"]),
        "source": objects(grades["source"]),
        "score": np.asarray(grades["score"], dtype=float),
        "pd": np.asarray(grades["pd"], dtype=float),
        "policy_version": objects(grades["policy_version"]),
        "model_version": objects(grades["model_version"]),
        "disagreement": disagreement,
        "overrides": objects(texts.overrides(overrides, override_ids)),
        "reasons": objects(texts.lists("reason", adverse, values, names, reason_ids, unit)),
        "positives": objects(texts.lists("positive", positive, values, names, None, unit)),
        "second_opinion": objects(opinions),
    }


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
    hypothetical_events: Iterable[HypotheticalEvent] = (),
) -> Explanation:
    """Grade and explain one subject from the store on demand; equals the batch result (with
    ``hypothetical_events``: as it would be were they stored)."""
    rows, counted = feature_rows(
        store, catalog, as_of=as_of, subjects=[uscc], policy=load_publicity_policy(),
        hypothetical_events=hypothetical_events,
    )  # fmt: skip
    if not rows:
        raise SubjectNotFound(f"no subject {uscc} registered by {as_of}")
    features = feature_columns(rows, catalog)  # no DataFrame: its overhead is most of one row
    grades = grade_columns(features, policy, bundle, model_version=model_version)
    records = {(uscc, name): ids for name, ids in counted.get(uscc, {}).items() if ids}
    columns = explanation_columns(
        store, features, grades, as_of=as_of, catalog=catalog, policy=policy, bundle=bundle,
        top_k=top_k, records=records,
    )  # fmt: skip
    return explanation_from_row({name: values[0] for name, values in columns.items()})


def _points_per_unit(source: str, bundle: ScorerBundle | None) -> float:
    """Score points per unit of the authoritative scorer's contribution.

    The rule and WoE scorecards' contributions are points already (deducted, or below the best).
    The GBM's are log-odds of its margin; its calibration maps the margin to the probability the
    score is computed from by a slope, and the score scale gives points per log-odds.
    """
    if source != "gbm" or bundle is None:
        return 1.0
    calibrator = bundle.gbm_.calibrator_
    slope = calibrator.slope_ if calibrator is not None else 1.0
    return float(slope) * POINTS_PER_LOG_ODDS


def _contributions(
    features: Columns, source: str, bundle: ScorerBundle | None
) -> tuple[list[str], np.ndarray]:
    """Per feature, how much it pushed each row towards an adverse outcome (positive: adverse):
    the features' names and a row-by-feature array."""
    if source == "rules" or bundle is None:
        rules = bundle.rules_ if bundle is not None else RuleScorecard()
        by_rule = -rules.contribution_values(features)  # points deducted are adverse
        return [r.feature for r in load_rule_policy().rules], by_rule
    scorer = bundle.scorecard_ if source == "scorecard" else bundle.gbm_
    # Scorecard: points lost below each characteristic's best; GBM: TreeSHAP log-odds.
    return list(scorer.feature_names_in_), scorer.contribution_values(features)


def _may_be_positive(features: Columns, names: list[str], catalog: Catalog) -> np.ndarray:
    """Per row and feature, whether its value can be in the subject's favour at all.

    A scorer may rate "one substantiated complaint" below the city's average and so lower the
    risk, but a reader cannot be told a complaint is a positive factor: a feature whose records
    are adverse counts in the subject's favour only at zero, one whose records are favourable
    only above zero; a feature with neither direction (the kind of subject, its age) as scored.
    """
    allowed = np.ones((row_count(features), len(names)), dtype=bool)
    known = {f.name: f for f in catalog}
    directed = [(j, known[n].direction) for j, n in enumerate(names) if n in known
                and known[n].direction != "none" and known[n].dtype != "category"]  # fmt: skip
    if not directed:
        return allowed
    # One matrix for every directed feature: per-feature numpy calls cost more than one subject.
    values = np.column_stack([np.asarray(features[names[j]], dtype=float) for j, _ in directed])
    present = np.nan_to_num(values) > 0
    for k, (j, direction) in enumerate(directed):
        allowed[:, j] = ~present[:, k] if direction == "risk" else present[:, k]
    return allowed


def _top(values: np.ndarray, k: int, *, adverse: bool) -> np.ndarray:
    """Per row, the columns of its ``k`` largest adverse (or favourable) contributions, largest
    first; -1 pads rows with fewer. Ties keep column order."""
    signed = values if adverse else -values
    order = np.argsort(-signed, axis=1, kind="stable")[:, :k]
    kept = np.take_along_axis(signed, order, axis=1) > 1e-9
    return np.where(kept, order, -1)


def _wanted_pairs(
    usccs: np.ndarray,
    names: list[str],
    adverse: np.ndarray,
    overrides: list[str],
    policy: GradingPolicy,
    catalog: Catalog,
) -> dict[str, np.ndarray]:
    """The (subject, feature) pairs whose records the explanations show, keyed by row and
    slot: the reason's rank, or -1 for an override."""
    rows, ranks = np.nonzero(adverse >= 0)
    features = np.asarray(names, dtype=object)[adverse[rows, ranks]]
    by_code = {o.code: o.feature for o in policy.overrides}
    applied = [
        (row, by_code[code])
        for row, codes in enumerate(overrides)
        if codes
        for code in codes.split(";")
        if code in by_code
    ]
    applied = list(dict.fromkeys(applied))  # two overrides on one feature share its records
    override_rows = np.asarray([row for row, _ in applied], dtype=int)
    wanted = {
        "row": np.concatenate([rows, override_rows]),
        "slot": np.concatenate([ranks, np.full(len(applied), -1)]),
        "uscc": np.concatenate([usccs[rows], usccs[override_rows]]),
        "feature": np.concatenate([features, [name for _, name in applied]]),
    }
    known = {f.name for f in catalog}
    kept = np.fromiter((n in known for n in wanted["feature"]), bool, len(wanted["feature"]))
    return {column: values[kept] for column, values in wanted.items()}


def _given(wanted: Mapping[str, np.ndarray], records: Records) -> dict[str, np.ndarray]:
    """The wanted pairs' record ids from ``records``, as :func:`provenance_of_pairs` gives them."""
    ids = [
        json.dumps(list(records.get((uscc, feature), ())))
        for uscc, feature in zip(wanted["uscc"], wanted["feature"], strict=True)
    ]
    return {**wanted, "record_ids": np.asarray(ids, dtype=object)}


def _placed(
    found: Columns, shape: tuple[int, int]
) -> tuple[np.ndarray, dict[tuple[int, str], str]]:
    """Record ids (JSON) per row and reason rank, and per (row, feature) of an override."""
    reason_ids = np.full(shape, NO_RECORDS, dtype=object)
    rows, slots = np.asarray(found["row"], dtype=int), np.asarray(found["slot"], dtype=int)
    ids = np.asarray(found["record_ids"], dtype=object)
    ranked = slots >= 0
    reason_ids[rows[ranked], slots[ranked]] = ids[ranked]
    features = np.asarray(found["feature"], dtype=object)
    override_ids = {
        (int(row), str(name)): str(text)
        for row, name, text in zip(rows[~ranked], features[~ranked], ids[~ranked], strict=True)
    }
    return reason_ids, override_ids


def _second_opinions(
    features: Columns, grades: Columns, policy: GradingPolicy
) -> tuple[list[str], np.ndarray]:
    """The other scorers' grades as JSON, and whether one is more than a grade from the grade.

    Each is that scorer's own grade under the grade policy's overrides (what law imposes on any
    score), so a black-listed subject is not flagged because a scorer alone would rate it A.
    They come from the grade records (rule grade, scorecard and GBM probabilities), so nothing
    is scored twice.
    """
    opinions = {"rules": np.asarray(grades["rules_grade"], dtype=object)}
    domains = policy_domains(features, policy)  # a domain's own cut-offs band every scorer
    for name in ("scorecard", "gbm"):
        probability = np.asarray(grades[f"{name}_pd"], dtype=float)
        if not np.isnan(probability).all():  # scored only with a trained bundle
            score_grade = grade_by_probability(probability, policy, domains)
            opinions[name] = opinion_grades(features, score_grade, policy)
    others = [n for n in opinions if n != policy.authoritative]
    rank = {g: i for i, g in enumerate(GRADES)}
    final = np.asarray([rank[g] for g in np.asarray(grades["grade"]).tolist()], dtype=int)
    far = np.zeros(len(final), dtype=bool)
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
        texts = ["{}"] * len(final)
    return texts, far
