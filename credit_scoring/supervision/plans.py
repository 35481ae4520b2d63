"""Inspection plans: create one (frame → commitment → draw → inspectors), verify one.

A plan is drawn in this order, so that the commitment exists before any random number does:
the eligible frame as of the date, the budget and its allocation, the commitment over the seed,
the parameters and the eligible list, then the draw and the inspector assignment from the seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.errors import InfeasiblePlan, InvalidInput
from credit_scoring.grading import Grader
from credit_scoring.policies.sampling import (
    DUE,
    Design,
    InspectorRules,
    SamplingPolicy,
    load_sampling_policy,
    policy_digest,
)
from credit_scoring.records.store import Store
from credit_scoring.supervision import storage
from credit_scoring.supervision.assignment import Assignment, assign_inspectors, unstaffable
from credit_scoring.supervision.commitment import commitment, table_digest
from credit_scoring.supervision.draw import Allocation, Draw, allocate, draw_sample
from credit_scoring.supervision.frame import Frame, Scope, build_frame
from credit_scoring.supervision.plan import Plan

FIRST_REGISTRATION = dt.date(1949, 10, 1)  # no subject of the store was registered before

__all__ = ["Plan", "VerificationResult", "create_plan", "verify_plan"]

_POOL_COLUMNS = ["inspector_id", "department", "region", "conflicts", "active"]
_RECUSAL_COLUMNS = ["uscc", "department", "region_code", "last_inspectors"]


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of rerunning a stored plan: each check and what differed."""

    plan_id: str
    commitment_matches: bool
    draw_matches: bool
    assignment_matches: bool
    recomputed_commitment: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Every check passed: the commitment, the draw, the inspectors and their inputs."""
        return not self.problems


def _check_as_of(store: Store, as_of: dt.date) -> None:
    """A plan is drawn on a day the store can speak for: from its first registration to today."""
    row = store.con.execute("SELECT min(registered_date) FROM subjects").fetchone()
    first = row[0] if row and row[0] is not None else FIRST_REGISTRATION
    if not first <= as_of <= dt.date.today():
        raise InvalidInput(f"as_of {as_of} lies outside the store's records ({first} to today)",
                           field="as_of")  # fmt: skip


def _budget(frame: Frame, policy: SamplingPolicy, budget: int | None, rate: float | None) -> int:
    """The random draw's size: given, a share of the eligible subjects not due for a mandated
    inspection, or the policy's default."""
    n = int((frame.eligible["stratum"] != DUE).sum())
    if budget is not None and rate is not None:
        raise InvalidInput("give a budget or a rate, not both", field="rate")
    if rate is not None:
        if not 0 < rate <= 1:
            raise InvalidInput(f"rate must lie in (0, 1]; got {rate}", field="rate")
        drawn = int(np.floor(rate * n + 0.5))
        if drawn == 0 and n > 0:
            raise InvalidInput(f"a rate of {rate:g} of the {n:,} eligible subjects draws no "
                               "inspection; a plan needs at least one", field="rate")  # fmt: skip
        return drawn
    if budget is not None:
        return budget
    counts = frame.eligible["stratum"].value_counts().drop(DUE, errors="ignore")
    rates = policy.relative_rates
    yearly = sum(
        min(1.0, policy.ordinary_rate * rates[str(s)]) * float(count) for s, count in counts.items()
    )
    return int(np.floor(yearly / policy.plans_per_year + 0.5))


def _parameters(
    frame: Frame, policy: SamplingPolicy, allocation: Allocation, pool: pd.DataFrame, **plan: Any
) -> dict[str, Any]:
    """Everything the draw and the assignment depend on, besides the seed and the list; with
    the subjects an overdue rectification made due, when there are any (a plan without keeps
    the parameters, so the commitment, of before interviews existed)."""
    taken = {"rectification_due": list(frame.rectification)} if frame.rectification else {}
    return {
        **plan,
        **taken,
        "policy": policy.model_dump(mode="json"),
        "policy_digest": policy_digest(policy),
        "stratum_sizes": allocation.stratum_sizes,
        "exploration": allocation.exploration,
        "eligible": len(frame.eligible),
        "pool_digest": table_digest(pool, _POOL_COLUMNS),
        "recusal_digest": table_digest(frame.eligible, _RECUSAL_COLUMNS),
    }


def create_plan(
    store: Store,
    *,
    as_of: dt.date,
    seed: int,
    budget: int | None = None,
    rate: float | None = None,
    department: str | None = None,
    regions: tuple[str, ...] = (),
    domains: tuple[str, ...] = (),
    design: Design | None = None,
    policy: SamplingPolicy | None = None,
    grades: pd.DataFrame | None = None,
    grader: Grader | None = None,
    save: bool = True,
) -> Plan:
    """Draw a 双随机 inspection plan as of ``as_of`` and store it.

    Parameters
    ----------
    store : Store
    as_of : datetime.date
        Grades, inspection history and complaints as known on this date.
    seed : int
        The plan's random seed (at least 0); revealed with the plan so anyone can rerun it.
    budget, rate : int or float, optional
        Random inspections to draw, or their share of the eligible subjects; neither: the
        policy's rates. Every subject falling due for a mandated inspection in the plan's
        period is taken first, with certainty, on top of them.
    department, regions, domains : optional
        The plan's scope (default: the policy's ``scope``); a department must be listed in the
        sampling policy, domains are domain codes.
    design : {"stratified", "pps", "optimal"}, optional
        Overrides the policy's design. Where the policy's own design is ``optimal`` and the
        grades carry no model probability (the rule scorecard alone), the plan is drawn
        ``stratified`` and its ``design`` says so; asked for explicitly, it is refused.
    policy : SamplingPolicy, optional
        Default: ``models/sampling.yaml``.
    grades : DataFrame, optional
        ``uscc``, ``grade``, ``pd`` (and ``model_version``); default: graded now by ``grader``.
    grader : Grader, optional
        Default: :meth:`Grader.load` for ``store`` (its champion, or the rule scorecard).
    save : bool
        Store the plan (default); an identical plan (same id) is returned as stored.

    Returns
    -------
    Plan

    Raises
    ------
    InfeasiblePlan
        The budget exceeds the eligible subjects, ``pps`` or ``optimal`` lacks probabilities,
        ``optimal`` cannot take its certain strata within the budget, or an inspection cannot
        be staffed under the recusal rules; the message says which.

    Examples
    --------
    >>> plan = create_plan(store, as_of=dt.date(2026, 9, 30), budget=200, seed=1)  # doctest: +SKIP
    >>> verify_plan(store, plan.plan_id).ok  # doctest: +SKIP
    True
    """
    if seed < 0:
        raise InvalidInput(f"seed must be at least 0; got {seed}", field="seed")
    _check_as_of(store, as_of)
    policy = policy or load_sampling_policy()
    if design is not None:
        policy = policy.with_design(design)
    if grades is None:
        grader = grader or Grader.load(store)
        grades = grader.grade_store(store, as_of=as_of)
    default = policy.scope
    scope = Scope(department or default.department, tuple(regions) or default.regions,
                  tuple(domains) or default.domains)  # fmt: skip
    frame = build_frame(store, grades, policy, as_of=as_of, scope=scope)
    pool = storage.inspector_pool(store, frame.eligible["department"].dropna().unique().tolist())
    # A random inspection nobody may staff is not drawn; a mandated one stays, awaiting staff.
    short = unstaffable(frame.eligible, pool, policy.inspectors)
    frame = frame.without(short & (frame.eligible["stratum"] != DUE).to_numpy(),
                          "no_free_inspectors")  # fmt: skip
    n = _budget(frame, policy, budget, rate)
    eligible = frame.eligible
    strata, risk = eligible["stratum"].to_numpy(), eligible["risk"].to_numpy(float)
    if design is None and policy.design == "optimal" and np.isnan(risk).any():
        policy = policy.with_design("stratified")  # nothing to optimise: the grades' ratios
    try:
        allocation = allocate(strata, n, policy)
    except InfeasiblePlan as error:
        left_out = f"left out of {frame.in_scope} in scope: {frame.excluded}"
        raise InfeasiblePlan(f"{error}; {left_out}") from None
    parameters = _parameters(frame, policy, allocation, pool, as_of=as_of.isoformat(),
                             budget=n, design=policy.design, scope=scope.as_dict())  # fmt: skip
    sealed = commitment(seed, parameters, eligible["uscc"], eligible["stratum"], eligible["risk"])
    plan_id = f"P{as_of:%Y%m%d}-{sealed[:12]}"
    if save and storage.plan_exists(store, plan_id):
        return storage.load_plan(store, plan_id)
    drawn = draw_sample(strata, risk, allocation, policy.design, seed, optimal=policy.optimal)
    plan = Plan(
        plan_id, as_of, seed, sealed, policy.design, n, policy.version,
        _grades_version(grades), parameters,
        _items(store, eligible, drawn, policy, seed, pool),
        _with_probabilities(eligible, drawn), frame.excluded,
    )  # fmt: skip
    if save:
        storage.save_plan(store, plan, pool)
    return plan


def _grades_version(grades: pd.DataFrame) -> str:
    versions = [c for c in ("policy_version", "model_version") if c in grades.columns]
    return "/".join(str(grades[c].iloc[0]) for c in versions) if len(grades) else "none"


def _with_probabilities(eligible: pd.DataFrame, drawn: Draw) -> pd.DataFrame:
    return eligible.assign(
        stratum_prob=drawn.stratum_prob, exploration_prob=drawn.exploration_prob,
        inclusion_prob=drawn.inclusion_prob, selected=drawn.selected, explored=drawn.explored,
    )  # fmt: skip


def _items(
    store: Store, eligible: pd.DataFrame, drawn: Draw, policy: SamplingPolicy, seed: int,
    pool: pd.DataFrame,
) -> pd.DataFrame:  # fmt: skip
    picked = eligible[drawn.selected].reset_index(drop=True)
    assignment = _assign(picked, pool, policy.inspectors, seed)
    explored = drawn.explored[drawn.selected]
    # Uniform inside its stratum: every stratified pick, and the exploration picks of pps; a
    # mandated inspection is no random sample.
    uniform = np.ones(len(picked), bool) if policy.design == "stratified" else explored
    uniform &= (picked["stratum"] != DUE).to_numpy()
    subjects = storage.subject_details(store, picked["uscc"])
    # An inspector stored without a name is printed by id rather than failing the plan.
    names = {i: name if isinstance(name, str) else i
             for i, name in zip(pool["inspector_id"], pool["name"], strict=True)}  # fmt: skip
    return pd.DataFrame(
        {
            "uscc": picked["uscc"], "name": subjects["name"], "address": subjects["address"],
            "grade": picked["grade"], "stratum": picked["stratum"],
            "domains": [";".join(own) for own in picked["domains"]], "due_by": picked["due_by"],
            "department": picked["department"], "region_code": picked["region_code"],
            "inclusion_prob": drawn.inclusion_prob[drawn.selected],
            "random_sample": uniform, "exploration": explored,
            "inspectors": [";".join(ids) if ids else None for ids in assignment.inspectors],
            "inspector_names": [";".join(names[i] for i in ids) if ids else None
                                for ids in assignment.inspectors],
            "assignment": assignment.status,
        }
    )  # fmt: skip


def _assign(
    picked: pd.DataFrame, pool: pd.DataFrame, rules: InspectorRules, seed: int
) -> Assignment:
    """Inspectors for the picked subjects; a mandated inspection that the department cannot
    staff under the recusal rules waits (``pending``) for the department to add inspectors."""
    short = unstaffable(picked, pool, rules)
    staffed = assign_inspectors(picked[~short].reset_index(drop=True), pool, rules, seed)
    inspectors: list[tuple[str, ...] | None] = [None] * len(picked)
    for row, ids in zip(np.flatnonzero(~short), staffed.inspectors, strict=True):
        inspectors[row] = ids
    return Assignment(inspectors)


def _rectifications_taken(plan: Plan) -> list[str]:
    """Each subject the plan sealed as due for an overdue rectification is in its due stratum
    and drawn (with probability 1); what is not, said."""
    frame = plan.frame
    certain = set(frame.loc[(frame["stratum"] == DUE) & frame["selected"].astype(bool), "uscc"])
    missing = [r["uscc"] for r in plan.parameters.get("rectification_due", [])
               if r["uscc"] not in certain]  # fmt: skip
    if not missing:
        return []
    return [f"{len(missing)} subject(s) sealed as due for an overdue rectification are not "
            f"drawn with certainty: {', '.join(missing[:5])}"]  # fmt: skip


def verify_plan(store: Store, plan_id: str) -> VerificationResult:
    """Recompute a stored plan's commitment and rerun its draw and inspector assignment.

    Uses only what the plan stored (its frame, parameters, seed and inspector pool), never
    today's grades or policy, so a plan verifies for as long as it is kept.
    """
    plan = storage.load_plan(store, plan_id)
    frame = plan.frame
    recomputed = commitment(plan.seed, plan.parameters, frame["uscc"], frame["stratum"],
                            frame["risk"])  # fmt: skip
    policy = SamplingPolicy.model_validate(plan.parameters["policy"])
    strata, risk = frame["stratum"].to_numpy(), frame["risk"].to_numpy(float)
    allocation = Allocation.of_plan(plan.parameters, strata)
    drawn = draw_sample(strata, risk, allocation, policy.design, plan.seed,
                        optimal=policy.optimal)  # fmt: skip
    problems = []
    if recomputed != plan.commitment:
        problems.append("the commitment does not match the stored seed, parameters and list")
    pool = storage.stored_pool(store, plan_id)
    if table_digest(pool, _POOL_COLUMNS) != plan.parameters["pool_digest"]:
        problems.append("the stored inspector pool differs from the one committed to")
    if table_digest(frame, _RECUSAL_COLUMNS) != plan.parameters["recusal_digest"]:
        problems.append("the stored recusal inputs (last inspectors) differ from those committed")
    draw_ok = np.array_equal(drawn.selected, frame["selected"].to_numpy(bool)) and np.array_equal(
        drawn.inclusion_prob, frame["inclusion_prob"].to_numpy(float)
    )
    if not draw_ok:
        problems.append("rerunning the draw with the seed gives a different list")
    picked = frame[drawn.selected].reset_index(drop=True)
    try:
        rerun = _assign(picked, pool, policy.inspectors, plan.seed).inspectors
    except InfeasiblePlan as error:
        rerun, problems = [], [*problems, f"the assignment cannot be rerun: {error}"]
    stored = [
        ids if isinstance(ids, str) else None
        for ids in plan.items.set_index("uscc")["inspectors"].reindex(picked["uscc"])
    ]
    assignment_ok = [";".join(ids) if ids else None for ids in rerun] == stored
    if not assignment_ok:
        problems.append("rerunning the inspector assignment gives different inspectors")
    problems += _rectifications_taken(plan)
    return VerificationResult(plan_id, recomputed == plan.commitment, bool(draw_ok),
                              assignment_ok, recomputed, problems)  # fmt: skip
