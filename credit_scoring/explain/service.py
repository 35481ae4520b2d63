"""Explanations from a store and a tracking folder: what the CLI and the API call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_scoring.explain.explanation import Explanation
from credit_scoring.explain.reason_codes import explain_subject
from credit_scoring.features.catalog import load_catalog
from credit_scoring.models.grading import load_grading_policy
from credit_scoring.models.scoring import MODEL_NAME
from credit_scoring.models.tracking import Tracking
from credit_scoring.records.store import Store

__all__ = ["explain_from_store"]


def explain_from_store(
    store: Store, uscc: str, *, as_of: dt.date, tracking_root: Path, top_k: int = 4
) -> Explanation:
    """One subject's grade and reasons with the current champion (rules only if none)."""
    champion = Tracking(tracking_root).champion(MODEL_NAME)
    version, bundle = champion if champion is not None else ("none", None)
    policy = load_grading_policy()
    if bundle is None and policy.authoritative != "rules":
        policy = policy.model_copy(update={"authoritative": "rules"})
    return explain_subject(
        store, uscc, as_of=as_of, catalog=load_catalog().risk_features(), policy=policy,
        bundle=bundle, model_version=f"{MODEL_NAME}/{version}" if bundle else "none",
        top_k=top_k,
    )  # fmt: skip
