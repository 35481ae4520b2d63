"""The grade policy (``models/grading.yaml``): from a score to the grade a subject is given.

The authoritative source gives a first grade — the rule scorecard its bands on points,
a learned model its calibrated probability against the cut-offs (a domain's own, where the
policy gives a domain some). Then, whatever the score, the hard overrides that law and policy
impose (black list → D; key-attention list, a serious penalty or a licence or business action
inside its publicity period → no better than C; under three years in business → no better than
B), and the minimum evidence for A. Every graded subject carries its score, probability, grade,
source, policy and model versions and the overrides applied, so a reviewer can see why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_scoring.errors import ConfigError
from credit_scoring.models._checks import Columns, row_index
from credit_scoring.policies import GRADES, GradingPolicy
from credit_scoring.policies.grading import DOMAIN_FEATURE

__all__ = ["apply_policy", "grade_by_probability", "opinion_grades", "policy_domains"]


_RANK = {grade: i for i, grade in enumerate(GRADES)}


def grade_by_probability(
    probability: np.ndarray, policy: GradingPolicy, domains: np.ndarray | None = None
) -> np.ndarray:
    """A for a probability up to the A cut-off, B up to B's, C up to C's, else D.

    With ``domains`` (each row's primary domain), a domain the policy gives its own cut-offs
    (``domains.probability_cutoffs``) is banded by those.
    """
    cut = policy.probability_cutoffs
    rank = np.searchsorted([cut["A"], cut["B"], cut["C"]], probability, side="left")
    if domains is not None:
        probability = np.asarray(probability, dtype=float)
        for domain, own in policy.domains.probability_cutoffs.items():
            rows = domains == domain
            if rows.any():
                bands = [own["A"], own["B"], own["C"]]
                rank[rows] = np.searchsorted(bands, probability[rows], side="left")
    return np.asarray(GRADES)[rank]


def policy_domains(features: Columns, policy: GradingPolicy) -> np.ndarray | None:
    """Each row's primary domain where the policy treats domains apart, else None (no cost)."""
    if not policy.domains.active:
        return None
    if DOMAIN_FEATURE not in features:
        raise ConfigError(
            f"the grade policy sets per-domain cut-offs or calibration: it needs feature "
            f"{DOMAIN_FEATURE!r}, absent from the table"
        )
    return np.asarray(features[DOMAIN_FEATURE], dtype=object)


def apply_policy(
    features: Columns,
    score_grade: pd.Series | np.ndarray,
    policy: GradingPolicy,
    *,
    evidence_rule: bool = True,
) -> tuple[pd.Series, pd.Series]:
    """The final grade of each row and the override codes applied to it.

    ``features`` must hold every feature the policy names; ``score_grade`` is the grade the
    authoritative source gave. An override is listed only where it changed or fixed the grade's
    ceiling, so a reviewer sees what actually bound. ``evidence_rule=False`` applies the
    overrides alone: what law imposes on any scorer's opinion, without the minimum evidence
    the grade itself needs for A.
    """
    grades, applied = _policy_grades(features, score_grade, policy, evidence_rule, True)
    index = row_index(features)
    return pd.Series(grades, index=index, name="grade"), pd.Series(applied, index=index,
                                                                   name="overrides")  # fmt: skip


def opinion_grades(
    features: Columns, score_grade: pd.Series | np.ndarray, policy: GradingPolicy
) -> np.ndarray:
    """A scorer's second opinion: its grades under the policy's overrides (not the evidence
    rule), as a plain array: what :func:`apply_policy` gives, without the codes or a frame."""
    return _policy_grades(features, score_grade, policy, False, False)[0]


def _policy_grades(
    features: Columns, score_grade: pd.Series | np.ndarray, policy: GradingPolicy,
    evidence_rule: bool, collect: bool,
) -> tuple[np.ndarray, list[list[str]]]:  # fmt: skip
    """The grades under the policy, and (``collect``) the codes that bound each row."""
    missing = [f for f in policy.features if f not in features]
    if missing:
        raise ConfigError(f"the grade policy needs feature(s) {missing}, absent from the table")
    # A dictionary, not a pandas Index: one subject is graded in microseconds, not a millisecond.
    grades_in = np.asarray(score_grade, dtype=object).tolist()
    rank = np.fromiter((_RANK.get(g, -1) for g in grades_in), dtype=np.int64, count=len(grades_in))
    applied: list[list[str]] = [[] for _ in range(len(rank))]
    evidence = np.zeros(len(rank), dtype=bool)
    for name in policy.evidence_for_a.features:
        evidence |= np.nan_to_num(np.asarray(features[name], dtype=float)) > 0
    no_evidence = (rank == 0) & ~evidence & evidence_rule
    rank = np.where(no_evidence, GRADES.index(policy.evidence_for_a.otherwise), rank)
    for i in np.flatnonzero(no_evidence) if collect else ():
        applied[i].append("EVIDENCE")
    for override in policy.overrides:
        met = override.met(features[override.feature])
        if override.set is not None:
            target = np.full_like(rank, GRADES.index(override.set))
            changed = met & (rank != target)
            rank = np.where(met, target, rank)
        else:
            ceiling = GRADES.index(override.no_better_than or "D")
            changed = met & (rank < ceiling)
            rank = np.where(met, np.maximum(rank, ceiling), rank)
        for i in np.flatnonzero(changed) if collect else ():
            applied[i].append(override.code)
    return np.asarray(GRADES, dtype=object)[rank], applied
