"""Plans on the synthetic city, measured against the simulator's truth (never in production).

The city's truth file gives each subject's expected violations per quarter. Over a plan's
period ``(as_of, as_of + 365 / plans_per_year]`` that is ``mu_i``, and the chance the subject
commits at least one violation in the period is ``1 - exp(-mu_i)`` (violations are Poisson in
the simulator). :func:`truth_comparison` gives, per design at the plan's budget, the true
violations per inspection ``sum(pi * mu) / n`` against uniform sampling's ``mean(mu)``, and
per grade the true violation rate that the IPW estimates of :mod:`evaluation` aim at.
:func:`simulate_results` plays the inspectors: each planned inspection finds a violation with
probability ``1 - exp(-mu_i)`` (an idealised inspection that sees any violation of the
period), written as ``inspections`` rows to be ingested like real results.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.policies.sampling import GRADES
from credit_scoring.supervision.evaluation import policy_probabilities
from credit_scoring.supervision.plan import Plan
from credit_scoring.synth.truth import expected_violations

__all__ = ["plan_period", "simulate_results", "true_risk", "truth_comparison"]


def plan_period(plan: Plan) -> tuple[dt.date, dt.date]:
    """The period a plan covers: from its date, a year divided by the plans made per year."""
    per_year = int(plan.parameters["policy"]["plans_per_year"])
    return plan.as_of, plan.as_of + dt.timedelta(days=round(365 / per_year))


def true_risk(plan: Plan, truth: Path) -> np.ndarray:
    """``mu_i``: each frame subject's expected violations over the plan's period."""
    start, end = plan_period(plan)
    mu = expected_violations(truth, start, end)
    return plan.frame["uscc"].map(mu).fillna(0.0).to_numpy(float)


def truth_comparison(plan: Plan, truth: Path) -> dict[str, Any]:
    """True violations per inspection for each design at the plan's budget, and per grade.

    Returns ``{"policies": [...], "by_grade": [...]}``: per policy the expected true
    violations per inspection, the expected share of inspections finding one, and both
    against uniform; per grade the true violation rate ``mean(1 - exp(-mu))``.
    """
    mu = true_risk(plan, truth)
    found = 1 - np.exp(-mu)
    policies = []
    for name, q in policy_probabilities(plan.frame, plan.parameters).items():
        per_inspection = float((q * mu).sum() / q.sum())
        share = float((q * found).sum() / q.sum())
        policies.append({"policy": name, "violations_per_inspection": per_inspection,
                         "lift": per_inspection / float(mu.mean()),
                         "share_finding": share,
                         "share_lift": share / float(found.mean())})  # fmt: skip
    grades = plan.frame["grade"].to_numpy()
    by_grade = [{"grade": g, "true_rate": float(found[grades == g].mean())
                 if (grades == g).any() else float("nan")} for g in GRADES]  # fmt: skip
    return {"policies": policies, "by_grade": by_grade, "true_rate": float(found.mean())}


def simulate_results(plan: Plan, truth: Path, seed: int) -> pd.DataFrame:
    """``inspections`` rows for every planned inspection, outcomes drawn from the truth."""
    rng = np.random.default_rng([seed, 2])
    mu = pd.Series(true_risk(plan, truth), index=plan.frame["uscc"])
    items = plan.items.sort_values("uscc").reset_index(drop=True)
    start, end = plan_period(plan)
    offsets = rng.integers(1, (end - start).days + 1, size=len(items))
    violation = rng.random(len(items)) < 1 - np.exp(-mu.reindex(items["uscc"]).to_numpy())
    return pd.DataFrame(
        {
            "record_id": [f"{plan.plan_id}-{k:05d}" for k in range(1, len(items) + 1)],
            "uscc": items["uscc"],
            "inspection_date": [(start + dt.timedelta(days=int(d))).isoformat() for d in offsets],
            "result": np.where(violation, "violation", "compliant"),
            "plan_id": plan.plan_id,
            "department": items["department"],
            "inspectors": items["inspectors"],
            "random_sample": items["random_sample"],
            "inclusion_prob": items["inclusion_prob"],
        }
    )
