"""Explanations from a store and a tracking folder: what the CLI and the API call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_scoring.explain.explanation import Explanation
from credit_scoring.explain.reason_codes import explain_subject
from credit_scoring.features.catalog import load_catalog
from credit_scoring.models.scoring import champion_scorers
from credit_scoring.models.tracking import Tracking
from credit_scoring.records.store import Store

__all__ = ["explain_from_store"]


def explain_from_store(
    store: Store, uscc: str, *, as_of: dt.date, tracking_root: Path, top_k: int = 4
) -> Explanation:
    """One subject's grade and reasons with the current champion (rules only if none)."""
    policy, bundle, model_version = champion_scorers(Tracking(tracking_root))
    return explain_subject(
        store, uscc, as_of=as_of, catalog=load_catalog().risk_features(), policy=policy,
        bundle=bundle, model_version=model_version, top_k=top_k,
    )  # fmt: skip
