"""Validation by domain (分类): each domain's AUC, calibration and grades on a labelled window.

分级分类监管 grades by credit and classifies by domain, so a model that is well calibrated for
the city can still over-grade one domain and under-grade another. Every training run reports
this table on its evaluation half (MLflow metrics ``gbm_auc_domain_catering``, …, and
``tables/domains.csv``); the notebooks read the same function.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1, 0, 0, 1, 0])
>>> p = np.array([0.1, 0.6, 0.2, 0.1, 0.3, 0.4])
>>> grades = np.array(["A", "D", "B", "A", "C", "C"])
>>> domains = np.array(["catering"] * 3 + ["parking"] * 3)
>>> report = domain_report(y, p, grades, domains)
>>> report.loc["catering", ["subjects", "observed", "auc"]].tolist()
[3.0, 0.3333333333333333, 1.0]
>>> sorted(domain_metrics(report, "gbm_"))[:2]
['gbm_auc_domain_all', 'gbm_auc_domain_catering']
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from credit_scoring.policies import GRADES
from credit_scoring.policies.grading import DOMAIN_FEATURE

if TYPE_CHECKING:
    from credit_scoring.grading import Grader

__all__ = ["ALL", "NO_DOMAIN", "domain_metrics", "domain_report", "domain_reports"]

ALL = "all"  # the row of every subject together
NO_DOMAIN = "none"  # subjects registered without a domain
_METRICS = ("subjects", "observed", "predicted", "gap", "auc", "brier")


def domain_report(y: Any, probability: Any, grades: Any, domains: Any) -> pd.DataFrame:
    """Per domain (largest first, then ``all``): how the probability ranks and how it is
    calibrated, and the grades it gave.

    Columns: ``subjects``; ``adverse`` (outcomes observed) and ``observed`` (their rate);
    ``predicted`` (the mean probability); ``gap`` (predicted − observed: above 0 the domain is
    graded as riskier than it turned out) with ``gap_se``, the binomial standard error of the
    observed rate, to read it against; ``auc`` (NaN where one class only) and ``brier``; then
    ``share_A``–``share_D``, the share of each grade, and ``rate_A``–``rate_D``, the observed
    adverse rate within each grade.
    """
    frame = pd.DataFrame({
        "y": np.asarray(y, dtype=float),
        "p": np.asarray(probability, dtype=float),
        "grade": np.asarray(grades, dtype=object),
        "domain": pd.Series(np.asarray(domains, dtype=object)).fillna(NO_DOMAIN).to_numpy(),
    })  # fmt: skip
    groups = {str(d): rows for d, rows in frame.groupby("domain", sort=False)}
    order = sorted(groups, key=lambda d: (-len(groups[d]), d))
    rows = {domain: _row(groups[domain]) for domain in order}
    rows[ALL] = _row(frame)
    report = pd.DataFrame.from_dict(rows, orient="index")
    report.index.name = "domain"
    return report


def domain_reports(grader: Grader, window: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`domain_report` of ``grader``'s grades of a labelled window (its features with the
    primary domain, and ``adverse``: a half of
    :func:`~credit_scoring.models.training.validation_window`).

    ``as graded`` is under the grader's policy; ``calibrated by domain``, present when its model
    has per-domain intercepts, is as ``domains.calibrate: all`` in ``models/grading.yaml`` would
    grade: whether the per-domain calibration would bring each domain's predicted rate to its
    observed one.
    """
    y, domains = window["adverse"].to_numpy(), window[DOMAIN_FEATURE]
    graded = grader.grade(window)
    reports = {"as graded": domain_report(y, graded["pd"], graded["grade"], domains)}
    if getattr(grader.bundle, "domain_intercepts_", None) is not None:
        every = grader.policy.domains.model_copy(update={"calibrate": "all"})
        policy = grader.policy.model_copy(update={"domains": every})
        calibrated = dataclasses.replace(grader, policy=policy).grade(window)
        reports["calibrated by domain"] = domain_report(
            y, calibrated["pd"], calibrated["grade"], domains
        )
    return reports


def domain_metrics(report: pd.DataFrame, prefix: str) -> dict[str, float]:
    """The report as flat MLflow metrics: ``{prefix}{metric}_domain_{domain}`` for the subjects,
    observed and predicted rates, gap, AUC, Brier and grade shares (NaN left out)."""
    columns = [*_METRICS, *(f"share_{g}" for g in GRADES)]
    return {
        f"{prefix}{column}_domain_{domain}": float(value)
        for domain, row in report[columns].iterrows()
        for column, value in row.items()
        if pd.notna(value)
    }


def _row(rows: pd.DataFrame) -> dict[str, float]:
    y, p = rows["y"].to_numpy(), rows["p"].to_numpy()
    observed, scored = float(np.mean(y)), ~np.isnan(p)
    both_classes = len(np.unique(y[scored])) == 2
    counts = rows["grade"].value_counts()
    rates = rows.groupby("grade")["y"].mean()
    return {
        "subjects": float(len(rows)),
        "adverse": float(np.sum(y)),
        "observed": observed,
        "predicted": float(np.mean(p[scored])) if scored.any() else np.nan,
        "gap": float(np.mean(p[scored]) - np.mean(y[scored])) if scored.any() else np.nan,
        "gap_se": float(np.sqrt(observed * (1 - observed) / len(rows))),
        "auc": float(roc_auc_score(y[scored], p[scored])) if both_classes else np.nan,
        "brier": float(brier_score_loss(y[scored], p[scored])) if scored.any() else np.nan,
        **{f"share_{g}": float(counts.get(g, 0)) / len(rows) for g in GRADES},
        **{f"rate_{g}": float(rates.get(g, np.nan)) for g in GRADES},
    }
