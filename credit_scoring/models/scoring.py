"""Grade records: from features and the trained scorers to the grade a subject is given.

The authoritative source (``models/grading.yaml``) gives the score and the first grade; the hard
overrides and the evidence rule then apply; the other scorers ride along as a second opinion.
Every row carries what a reviewer needs: score, probability, grade, source, policy and model
versions, and the overrides applied.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from credit_scoring.errors import ConfigError
from credit_scoring.models._checks import Columns, row_count
from credit_scoring.models.bundle import ScorerBundle
from credit_scoring.models.grading import (
    apply_policy,
    grade_by_probability,
    opinion_grades,
    policy_domains,
)
from credit_scoring.models.rules import RuleScorecard
from credit_scoring.policies import GradingPolicy

__all__ = ["GRADE_COLUMNS", "POINTS_PER_LOG_ODDS", "grade_columns", "probability_points"]

GRADE_COLUMNS = [
    "uscc", "grade", "score", "pd", "source", "overrides", "score_grade", "policy_version",
    "model_version", "rules_points", "rules_grade", "scorecard_pd", "gbm_pd",
]  # fmt: skip


# The score scale of a learned scorer's grade: 600 at odds 50:1 good:bad, 20 more per doubling.
POINTS_PER_LOG_ODDS = 20 / math.log(2)


def probability_points(probability: np.ndarray) -> np.ndarray:
    """Points on the WoE scorecard's scale (600 at odds 50:1 good:bad, 20 more per doubling)."""
    p = np.clip(probability, 1e-9, 1 - 1e-9)
    return np.round(600 + POINTS_PER_LOG_ODDS * (np.log((1 - p) / p) - math.log(50)), 1)


def grade_columns(
    features: Columns,
    policy: GradingPolicy,
    bundle: ScorerBundle | None = None,
    model_version: str = "none",
) -> dict[str, Any]:
    """One grade record per row of ``features`` (``uscc`` and the catalog features: a frame, or
    a mapping of columns for a few subjects) as columns (:data:`GRADE_COLUMNS`, in order, 1-D
    arrays). Called through :class:`credit_scoring.grading.Grader`.

    Without a trained ``bundle`` only the rule scorecard can grade: its probability is left
    empty. ``rules_grade`` is the rule scorecard's opinion: its bands under the grade policy's
    overrides, as every scorer's second opinion is. Where the policy calibrates a domain
    (``domains.calibrate``), every scorer's probability in it carries the model's per-domain
    intercept, and a domain's own cut-offs band its subjects.
    """
    rules = bundle.rules_ if bundle is not None else RuleScorecard()
    points = rules.point_values(features)  # once: the grade and the probability both need them
    rule_grades = rules.grades(features, points).to_numpy()
    domains = policy_domains(features, policy)
    second = None
    if bundle is not None:
        second = bundle.probability_values(features, points)
        if domains is not None and policy.domains.calibrate:
            second = bundle.domain_calibrated(second, domains, policy.domains.calibrated)
    source = policy.authoritative
    n_rows = row_count(features)
    if source == "rules":
        score, score_grade = points, rule_grades
        pd_ = second["rules"] if second is not None else np.full(n_rows, np.nan)
    elif second is None:
        raise ConfigError(f"the grade policy's authoritative source is {source!r}: train it first")
    else:
        pd_ = second[source]
        score = probability_points(pd_)
        score_grade = grade_by_probability(pd_, policy, domains)
    grades, overrides = apply_policy(features, score_grade, policy)
    rules_opinion = opinion_grades(features, rule_grades, policy)
    nan = np.full(n_rows, np.nan)
    return {
        "uscc": np.asarray(features["uscc"], dtype=object),
        "grade": grades.to_numpy(dtype=object),
        "score": score,
        "pd": pd_,
        "source": np.full(n_rows, source, dtype=object),
        "overrides": np.array([";".join(codes) for codes in overrides], dtype=object),
        "score_grade": np.asarray(score_grade, dtype=object),
        "policy_version": np.full(n_rows, policy.version, dtype=object),
        "model_version": np.full(n_rows, model_version, dtype=object),
        "rules_points": points,
        "rules_grade": rules_opinion,
        "scorecard_pd": second["scorecard"] if second is not None else nan,
        "gbm_pd": second["gbm"] if second is not None else nan,
    }
