"""Evaluation of plans from their results: inverse-probability-weighted estimates with CIs.

The results of a plan come back as ``inspections`` rows carrying its ``plan_id``; each is
matched to the plan's stored frame, which holds every eligible subject's exact inclusion
probability ``pi_i``. With ``y_i = 1`` for a violation found (``violation_results`` of the
policy) the estimators over the sample ``s`` are, for a group ``g`` of ``N_g`` subjects:

* Horvitz–Thompson: ``sum_s y_i / pi_i / N_g`` (unbiased; needs the known ``N_g``);
* Hájek: ``sum_s y_i / pi_i / sum_s 1 / pi_i`` (a ratio: slightly biased, usually less
  variable).

Violations found per inspection under a policy ``Q`` with probabilities ``q_i`` over the same
frame are ``sum_F q_i y_i / sum_F q_i``, estimated by ``sum_s q_i y_i / pi_i`` over
``sum_F q_i`` (HT) or over ``sum_s q_i / pi_i`` (Hájek); uniform sampling at the same budget
is ``q_i = n / N``, i.e. the population's violation rate. The exploration share gives a
second estimate, with its own exact probabilities (plus the subjects taken with certainty,
which exploration never reaches). Confidence intervals are percentiles of a
bootstrap that resamples inspections with replacement inside each (plan, stratum); it ignores
the finite-population correction, so it errs wide. Inspections whose result is ``not_found``
(the subject is gone) are left out as non-response and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.errors import InvalidInput, PlanNotFound
from credit_scoring.policies.sampling import GRADES, OptimalDesign
from credit_scoring.records.store import Store
from credit_scoring.supervision import storage
from credit_scoring.supervision.draw import Allocation, inclusion_probabilities

__all__ = ["Evaluation", "estimate", "evaluate_plans", "expected_lifts", "policy_probabilities"]

_LEVEL = 0.95


@dataclass(frozen=True)
class Evaluation:
    """IPW estimates from the results of some plans.

    ``by_grade``: per grade the eligible count, inspections with a result, violations found,
    and the HT and Hájek violation rates with CIs. ``policies``: per policy (``uniform``, the
    plan's own ``plan``, ``stratified``, ``pps``, ``optimal``) the estimated violations per
    inspection and the lift over uniform, with CIs. ``exploration``: the population's violation
    rate from the exploration share alone.
    """

    plan_ids: list[str]
    inspections: int
    not_found: int
    awaiting: int
    by_grade: pd.DataFrame
    policies: pd.DataFrame
    exploration: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_ids": self.plan_ids, "inspections": self.inspections,
            "not_found": self.not_found, "awaiting_results": self.awaiting,
            "by_grade": self.by_grade.to_dict("records"),
            "policies": self.policies.to_dict("records"), "exploration": self.exploration,
        }  # fmt: skip


def policy_probabilities(frame: pd.DataFrame, parameters: dict[str, Any]) -> dict[str, np.ndarray]:
    """Exact ``pi_i`` over a stored frame for the plan itself and for each design at its budget.

    ``pps`` and ``optimal`` (under the plan's policy's constraints, else the defaults) are left
    out when the frame has no model risk.
    """
    strata, risk = frame["stratum"].to_numpy(), frame["risk"].to_numpy(float)
    allocation = Allocation.of_plan(parameters, strata)
    n = allocation.total
    out = {"uniform": np.full(len(frame), n / len(frame) if len(frame) else 0.0),
           "plan": frame["inclusion_prob"].to_numpy(float)}  # fmt: skip
    designs = ["stratified"] + ([] if np.isnan(risk).any() else ["pps", "optimal"])
    optimal = OptimalDesign.model_validate(parameters["policy"].get("optimal", {}))
    for design in designs:
        out[design] = inclusion_probabilities(strata, risk, allocation, design, optimal=optimal)
    return out


def expected_lifts(frame: pd.DataFrame, parameters: dict[str, Any]) -> dict[str, float]:
    """Per design at the plan's budget, expected violations per inspection over uniform's,
    by the model's risk (``sum(q * risk) / sum(q)`` over ``mean(risk)``); empty without risk.

    Examples
    --------
    >>> expected_lifts(plan.frame, plan.parameters)  # doctest: +SKIP
    {'uniform': 1.0, 'plan': 2.8, 'stratified': 2.1, 'pps': 2.2, 'optimal': 2.8}
    """
    risk = frame["risk"].to_numpy(float)
    if not len(risk) or np.isnan(risk).any() or risk.mean() == 0:
        return {}
    return {name: float((q * risk).sum() / q.sum() / risk.mean())
            for name, q in policy_probabilities(frame, parameters).items()}  # fmt: skip


def _sample(store: Store, plan_ids: list[str], results: tuple[str, ...]) -> pd.DataFrame:
    """Every eligible (plan, subject) with its probabilities, and the outcome where inspected."""
    parts = []
    for plan_id in plan_ids:
        plan = storage.load_plan(store, plan_id)
        frame = plan.frame.assign(plan_id=plan_id)
        for name, q in policy_probabilities(plan.frame, plan.parameters).items():
            frame[f"q_{name}"] = q
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True)
    outcomes = store.con.execute(
        """SELECT plan_id, uscc,
                  bool_or(list_contains(?, result)) AS violation,
                  bool_and(result = 'not_found') AS not_found
           FROM inspections WHERE list_contains(?, plan_id) GROUP BY plan_id, uscc""",
        [list(results), plan_ids],
    ).df()
    frame = frame.merge(outcomes, on=["plan_id", "uscc"], how="left")
    frame["inspected"] = (
        frame["selected"]
        & frame["violation"].notna()
        & ~frame["not_found"].fillna(False).astype(bool)
    )
    return frame


def _bootstrap_weights(groups: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """(replicates + 1, n) resampling counts; row 0 is the sample itself (all ones)."""
    weights = np.ones((replicates + 1, len(groups)))
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        counts = rng.multinomial(len(members), np.full(len(members), 1 / len(members)),
                                 size=replicates)  # fmt: skip
        weights[1:, members] = counts
    return weights


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """The estimate (row 0) and the percentile CI of the replicates."""
    tail = (1 - _LEVEL) / 2 * 100
    low, high = np.nanpercentile(values[1:], [tail, 100 - tail]) if len(values) > 1 else (
        np.nan, np.nan)  # fmt: skip
    return float(values[0]), float(low), float(high)


def _rates(
    weights: np.ndarray, y: np.ndarray, pi: np.ndarray, total: float
) -> tuple[np.ndarray, np.ndarray]:
    """HT and Hájek means per bootstrap row; ``total`` is the group's size N."""
    with np.errstate(invalid="ignore", divide="ignore"):
        numerator = weights @ (y / pi)
        return numerator / total, numerator / (weights @ (1 / pi))


def _grade_table(frame: pd.DataFrame, sample: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    rows = []
    y, pi = sample["violation"].to_numpy(float), sample["inclusion_prob"].to_numpy(float)
    for grade in GRADES:
        in_grade = (sample["grade"] == grade).to_numpy()
        size = int((frame["grade"] == grade).sum())
        ht, hajek = _rates(weights[:, in_grade], y[in_grade], pi[in_grade], size)
        (h, h_low, h_high), (j, j_low, j_high) = _interval(ht), _interval(hajek)
        rows.append({"grade": grade, "eligible": size, "inspected": int(in_grade.sum()),
                     "violations": int(y[in_grade].sum()), "ht": h, "ht_low": h_low,
                     "ht_high": h_high, "hajek": j, "hajek_low": j_low,
                     "hajek_high": j_high})  # fmt: skip
    return pd.DataFrame(rows)


def _policy_table(frame: pd.DataFrame, sample: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    y, pi = sample["violation"].to_numpy(float), sample["inclusion_prob"].to_numpy(float)
    names = [c.removeprefix("q_") for c in frame.columns if c.startswith("q_")]
    per_inspection = {}
    for name in names:
        q = sample[f"q_{name}"].to_numpy(float)
        numerator = weights @ (q * y / pi)
        per_inspection[name] = (
            numerator / frame[f"q_{name}"].sum(),
            numerator / (weights @ (q / pi)),
        )
    rows = []
    for name in names:
        ht, hajek = per_inspection[name]
        row: dict[str, Any] = {"policy": name, "budget": round(float(frame[f"q_{name}"].sum()))}
        for label, values, uniform in (("ht", ht, per_inspection["uniform"][0]),
                                       ("hajek", hajek, per_inspection["uniform"][1])):  # fmt: skip
            row[label], row[f"{label}_low"], row[f"{label}_high"] = _interval(values)
            with np.errstate(invalid="ignore", divide="ignore"):
                lift = _interval(values / uniform)
            row[f"{label}_lift"], row[f"{label}_lift_low"], row[f"{label}_lift_high"] = lift
        rows.append(row)
    return pd.DataFrame(rows)


def _exploration_estimate(sample: pd.DataFrame, weights: np.ndarray, size: int) -> dict[str, float]:
    """The population's violation rate from the exploration draws, with their own pi.

    Subjects the graded draw takes with certainty (``stratum_prob == 1``) can never be
    explored, so they enter as themselves (probability 1): without them the estimate would
    miss exactly the riskiest subjects.
    """
    explored = sample["explored"].to_numpy(bool)
    certain = sample["stratum_prob"].to_numpy(float) >= 1
    used = explored | certain
    pi = np.where(certain, 1.0, sample["exploration_prob"].to_numpy(float))[used]
    y = sample["violation"].to_numpy(float)[used]
    ht, hajek = _rates(weights[:, used], y, pi, size)
    (h, h_low, h_high), (j, j_low, j_high) = _interval(ht), _interval(hajek)
    return {"inspected": int(explored.sum()), "certain": int(certain.sum()), "ht": h,
            "ht_low": h_low, "ht_high": h_high, "hajek": j, "hajek_low": j_low,
            "hajek_high": j_high}  # fmt: skip


def evaluate_plans(
    store: Store,
    plan_ids: list[str],
    *,
    violation_results: tuple[str, ...] | None = None,
    replicates: int = 1000,
    seed: int = 0,
) -> Evaluation:
    """IPW estimates from the ingested results of ``plan_ids``; see the module docstring.

    Parameters
    ----------
    store : Store
    plan_ids : list of str
        Stored plans; results are the ``inspections`` rows with these ``plan_id`` values.
    violation_results : tuple of str, optional
        Results that count as a violation; default the first plan's policy's.
    replicates : int
        Bootstrap replicates for the confidence intervals.
    seed : int
        Seed of the bootstrap.

    Examples
    --------
    >>> evaluate_plans(store, [plan.plan_id]).policies  # doctest: +SKIP
    """
    if not plan_ids:
        raise InvalidInput("name at least one plan to evaluate", field="plan")
    missing = [p for p in plan_ids if not storage.plan_exists(store, p)]
    if missing:
        raise PlanNotFound(f"no inspection plan {missing[0]!r} in {store.path}")
    if violation_results is None:
        first = storage.load_plan(store, plan_ids[0])
        violation_results = tuple(first.parameters["policy"]["violation_results"])
    frame = _sample(store, plan_ids, violation_results)
    if not frame["inspected"].any():
        raise InvalidInput(
            f"no results ingested yet for plan(s) {', '.join(plan_ids)}", field="plan"
        )
    by_grade, policies, exploration = estimate(frame, replicates=replicates, seed=seed)
    selected = frame["selected"].to_numpy(bool)
    return Evaluation(
        list(plan_ids), int(frame["inspected"].sum()),
        int(frame.loc[selected, "not_found"].fillna(False).sum()),
        int((selected & frame["violation"].isna().to_numpy()).sum()),
        by_grade, policies, exploration,
    )  # fmt: skip


def estimate(
    frame: pd.DataFrame, *, replicates: int = 1000, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """The estimates from a frame of eligible (plan, subject) rows; no store needed.

    ``frame`` has ``plan_id``, ``grade``, ``stratum``, ``inclusion_prob``, ``stratum_prob``,
    ``exploration_prob``, ``explored``, ``inspected`` (a result came back), ``violation`` (for
    inspected rows) and a ``q_<policy>`` probability column per policy to compare
    (``q_uniform`` among them). Returns the per-grade table, the per-policy table and the
    exploration estimate.
    """
    sample = frame[frame["inspected"].to_numpy(bool)].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    groups = (sample["plan_id"].astype(str) + "|" + sample["stratum"].astype(str)).to_numpy()
    weights = _bootstrap_weights(groups, replicates, rng)
    return (
        _grade_table(frame, sample, weights),
        _policy_table(frame, sample, weights),
        _exploration_estimate(sample, weights, len(frame)),
    )
