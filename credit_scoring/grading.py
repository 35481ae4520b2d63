"""The grading service: one way to grade and explain, loaded once, used by every door.

A :class:`Grader` holds what a grade depends on — the feature catalog, the grade policy, the
champion bundle of trained scorers and their versions — and grades or explains one subject or
all of them through one implementation. The command line, the HTTP service, snapshots,
workflows, plans, frequencies, the demo and the notebooks load one and call it; nothing else
puts a scorer together.

Where the champion comes from: ``Settings.mlruns`` when set (``--mlruns`` on the command line),
else the tracking folder the store recorded when it was trained. Without a champion the rule
scorecard decides, and the grader says so and why (:attr:`Grader.fallback`): never silently,
and never by creating an empty registry.

Examples
--------
>>> with Store("data/credit.duckdb", read_only=True) as store:  # doctest: +SKIP
...     grader = Grader.load(store)
...     grades = grader.grade_store(store, as_of=dt.date(2026, 9, 30))
...     why = grader.explain(store, "91350200776049653A", as_of=dt.date(2026, 9, 30))
>>> grader.describe()["source"]  # doctest: +SKIP
'gbm'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from credit_scoring.explain.explanation import Explanation
from credit_scoring.features.catalog import Catalog, load_catalog
from credit_scoring.policies import GradingPolicy, file_sha256, load_grading_policy, policy_path
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterable

    from credit_scoring.features.online import HypotheticalEvent
    from credit_scoring.models._checks import Columns
    from credit_scoring.models.bundle import ScorerBundle
    from credit_scoring.snapshots.serving import Regraded, ServedGrade

__all__ = ["MODEL_NAME", "GradeInForce", "Grader"]

MODEL_NAME = "credit-grade"  # the registered model the champion alias lives on
_POLICY_FILES = ("grading.yaml", "rules.yaml", "publicity.yaml")


@dataclass(frozen=True)
class Grader:
    """The catalog, the grade policy and the scorers a grade is computed with.

    ``policy.authoritative`` is the scorer that decides: the policy's own choice, or ``rules``
    when no champion is available (then ``fallback`` says why). ``bundle`` is None without a
    champion; ``model_version`` is ``credit-grade/<n>`` or ``none``.
    """

    catalog: Catalog
    policy: GradingPolicy
    bundle: ScorerBundle | None = None
    model_version: str = "none"
    registry: Path | None = None
    fallback: str | None = None

    @classmethod
    def load(
        cls, store: Store, settings: Settings | None = None, *, policy: GradingPolicy | None = None
    ) -> Grader:
        """The grader for ``store``: its champion from the registry of ``settings.mlruns`` or,
        unset, the one the store recorded at training; the rule scorecard if neither has one."""
        settings = settings or Settings()
        policy = policy or load_grading_policy()
        catalog = load_catalog().risk_features()
        registry = settings.mlruns or store.registry
        champion, reason = _champion(registry)
        if champion is None:
            return cls.rules_only(catalog, policy, registry=registry, fallback=reason)
        version, bundle = champion
        return cls(catalog, policy, bundle, f"{MODEL_NAME}/{version}", registry)

    @classmethod
    def rules_only(
        cls,
        catalog: Catalog | None = None,
        policy: GradingPolicy | None = None,
        *,
        registry: Path | None = None,
        fallback: str | None = None,
    ) -> Grader:
        """A grader with no trained model: the rule scorecard decides (its probability empty).

        ``fallback`` says why, and is kept only when the policy names another scorer: a policy
        that makes the rules authoritative needs no excuse.
        """
        policy = policy or load_grading_policy()
        if policy.authoritative == "rules":
            fallback = None
        else:
            fallback = fallback or "no trained model was given"
            policy = policy.model_copy(update={"authoritative": "rules"})
        catalog = catalog or load_catalog().risk_features()
        return cls(catalog, policy, None, "none", registry, fallback)

    @property
    def source(self) -> str:
        """The deciding scorer: ``rules``, ``scorecard`` or ``gbm``."""
        return self.policy.authoritative

    def describe(self) -> dict[str, Any]:
        """Who decides and with what: for summaries, grade files, snapshots and responses."""
        return {
            "source": self.source,
            "model_version": self.model_version,
            "policy_version": self.policy.version,
            "registry": str(self.registry) if self.registry else None,
            "fallback": self.fallback,
            # The exact policy files the grades depend on (training logs the same hashes).
            "policy_sha256": {name: file_sha256(policy_path(name)) for name in _POLICY_FILES},
        }

    def features(self, store: Store, *, as_of: dt.date) -> pd.DataFrame:
        """Every subject's risk features as of ``as_of``, sorted by USCC."""
        from credit_scoring.features.engine import build_features

        frame = build_features(store, self.catalog, as_of=as_of)
        return frame.sort_values("uscc", ignore_index=True)

    def grade(self, features: Columns) -> pd.DataFrame:
        """One grade record per row of ``features`` (columns :data:`GRADE_COLUMNS`)."""
        return pd.DataFrame(self.grade_columns(features))

    def grade_columns(self, features: Columns) -> dict[str, Any]:
        """:meth:`grade` as 1-D arrays: for one subject, a frame would cost more than grading."""
        from credit_scoring.models.scoring import grade_columns

        return grade_columns(features, self.policy, self.bundle, self.model_version)

    def grade_store(self, store: Store, *, as_of: dt.date) -> pd.DataFrame:
        """Every subject's grade record as of ``as_of``, sorted by USCC."""
        return self.grade(self.features(store, as_of=as_of))

    def explain_table(
        self,
        store: Store,
        features: Columns,
        grades: Columns,
        *,
        as_of: dt.date,
        top_k: int = 4,
    ) -> pd.DataFrame:
        """The explanation of every row of ``grades`` (:meth:`grade` of ``features``)."""
        from credit_scoring.explain.reason_codes import explanation_columns, explanation_frame

        return explanation_frame(explanation_columns(
            store, features, grades, as_of=as_of, catalog=self.catalog, policy=self.policy,
            bundle=self.bundle, top_k=top_k,
        ))  # fmt: skip

    def explain(
        self, store: Store, uscc: str, *, as_of: dt.date, top_k: int = 4,
        hypothetical_events: Iterable[HypotheticalEvent] = (),
    ) -> Explanation:  # fmt: skip
        """One subject graded and explained on demand, from its own rows; equals the batch.
        With ``hypothetical_events``, as if those events were stored (nothing is written)."""
        from credit_scoring.explain.reason_codes import explain_subject

        return explain_subject(
            store, uscc, as_of=as_of, catalog=self.catalog, policy=self.policy,
            bundle=self.bundle, model_version=self.model_version, top_k=top_k,
            hypothetical_events=hypothetical_events,
        )  # fmt: skip


class GradeInForce(NamedTuple):
    """A grade as it was served or re-graded: the grade, its as-of date and who decided it."""

    grade: str
    as_of: dt.date
    scorer: str  # the deciding scorer and its model version, e.g. "gbm credit-grade/3"

    @classmethod
    def of(cls, graded: Explanation | Regraded | ServedGrade) -> GradeInForce:
        """From an explanation, a saved re-grade or a served grade."""
        fields = graded.explanation if hasattr(graded, "explanation") else vars(graded)
        as_of = fields["as_of"]
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
        return cls(fields["grade"], day, f"{fields['source']} {fields['model_version']}")


def _champion(registry: Path | None) -> tuple[tuple[str, Any] | None, str]:
    """The champion's version and bundle in ``registry``, or None and why there is none."""
    if registry is None:
        return None, (
            "no champion: no model registry is set (--mlruns or CREDIT_SCORING_MLRUNS) and the "
            "store records none; train one with credit-scoring train --mlruns DIR"
        )
    from credit_scoring.models.tracking import Tracking

    tracking = Tracking.existing(registry)
    if tracking is None:
        return None, f"no champion: the model registry {registry} does not exist"
    champion = tracking.champion(MODEL_NAME)
    if champion is None:
        return None, f"no champion in {registry}: nothing trained there has been crowned"
    return champion, ""
