"""A drawn inspection plan as stored: what it committed to, its items and its frame."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.policies import PLAN_STRATA
from credit_scoring.policies.sampling import DUE

__all__ = ["ITEM_COLUMNS", "Plan", "PlanHeader"]

ITEM_COLUMNS = [
    "uscc", "name", "address", "grade", "stratum", "domains", "due_by", "department",
    "region_code", "inclusion_prob", "random_sample", "exploration", "inspectors",
    "inspector_names", "assignment",
]  # fmt: skip


@dataclass(frozen=True)
class PlanHeader:
    """What identifies a plan and what it committed to: its id, date, seed, commitment (SHA-256),
    design, budget (the random draw's size; mandated inspections come on top), the sampling
    policy's version and the grades' model version."""

    plan_id: str
    as_of: dt.date
    seed: int
    commitment: str
    design: str
    budget: int
    policy_version: str
    grades_version: str


@dataclass(frozen=True)
class Plan(PlanHeader):
    """A drawn plan as stored: its identity, what it committed to, its items and its frame.

    ``items`` has one row per inspection (``uscc``, ``name``, ``address``, ``grade``,
    ``stratum`` — ``due`` for a mandated inspection —, ``domains`` (``;``-joined), ``due_by``,
    ``department``, ``region_code``, ``inclusion_prob``, ``random_sample``, ``exploration``,
    ``inspectors``, ``inspector_names``, ``assignment``); ``frame`` every eligible subject with
    the grade and risk the plan used and its probabilities.
    """

    parameters: dict[str, Any]
    items: pd.DataFrame
    frame: pd.DataFrame
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def header(self) -> PlanHeader:
        return PlanHeader(**{f.name: getattr(self, f.name) for f in fields(PlanHeader)})

    @property
    def expected_lift(self) -> float:
        """Expected violations per inspection against uniform sampling, by the model's risk.

        ``sum(pi * risk) / n`` over ``mean(risk)``: the lift the plan expects if the model's
        probabilities are right (NaN when the grades carry no probability).
        """
        risk, pi = self.frame["risk"].to_numpy(float), self.frame["inclusion_prob"].to_numpy()
        if not len(risk) or np.isnan(risk).any() or risk.mean() == 0:
            return float("nan")
        return float((pi * risk).sum() / pi.sum() / risk.mean())

    def summary(self) -> dict[str, Any]:
        """What the CLI and the API print: identity, sizes per stratum, assignment status."""
        items, lift = self.items, self.expected_lift
        return {
            "plan_id": self.plan_id, "as_of": self.as_of.isoformat(), "seed": self.seed,
            "commitment": self.commitment, "design": self.design, "budget": self.budget,
            "policy_version": self.policy_version, "grades_version": self.grades_version,
            "eligible": len(self.frame), "excluded": self.excluded,
            "inspections": len(items), "mandated": int((items["stratum"] == DUE).sum()),
            "exploration": int(items["exploration"].sum()),
            "by_stratum": items["stratum"].value_counts().reindex(PLAN_STRATA, fill_value=0)
            .to_dict(),
            "pending": int((items["assignment"] == "pending").sum()),
            "expected_lift": None if np.isnan(lift) else round(lift, 3),
        }  # fmt: skip
