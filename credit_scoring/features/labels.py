"""The adverse-outcome label and training sets over rolling origins.

A subject's label at ``as_of`` looks strictly after it, over ``(as_of, as_of + horizon]``: it is 1
if in that window the subject got a serious penalty, a substantiated complaint, an inspection
finding a violation, or a black-list entry (DESIGN.md §4). Records later found erroneous (an
upheld objection or a revocation known by ``known_by``) are not outcomes; a repaired record was
still a real violation and is. A complaint counts once its substantiation was known by
``known_by``.

A training set stacks features at several ``as_of`` dates (rolling origins) with the label of
each; every label window lies strictly after its features and ends on or before ``known_by``,
so training "as of D" uses only what was known on D.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from credit_scoring.errors import InvalidInput
from credit_scoring.features.catalog import Catalog
from credit_scoring.features.engine import build_features
from credit_scoring.features.sources import sql_date, tier_expression
from credit_scoring.policies.publicity import PublicityPolicy, load_publicity_policy
from credit_scoring.records.store import Store

__all__ = ["LABEL_KINDS", "labels", "rolling_origins", "training_set"]

LABEL_KINDS = ("serious_penalty", "substantiated_complaint", "inspection_violation", "black_list")
_ERRONEOUS = ("objection_upheld", "revoked")


def labels(
    store: Store,
    *,
    as_of: dt.date,
    horizon_days: int = 365,
    known_by: dt.date | None = None,
    policy: PublicityPolicy | None = None,
) -> pd.DataFrame:
    """Per subject existing at ``as_of``: ``adverse`` (0/1) and the count of each outcome kind."""
    end = as_of + dt.timedelta(days=horizon_days)
    known_by = known_by or end
    if known_by < end:
        raise InvalidInput(
            f"the label window ends {end}, after what is known ({known_by})", field="as_of"
        )
    policy = policy or load_publicity_policy()
    window = f"BETWEEN {sql_date(as_of + dt.timedelta(days=1))} AND {sql_date(end)}"
    outcomes = {
        "serious_penalty": f"""SELECT uscc FROM penalties r WHERE decision_date {window}
            AND {tier_expression(policy)} = 2 AND {_genuine("penalties", known_by)}""",
        "substantiated_complaint": f"""SELECT uscc FROM complaints r
            WHERE received_date {window} AND outcome = 'substantiated'
            AND coalesce(closed_date, received_date) <= {sql_date(known_by)}
            AND {_genuine("complaints", known_by)}""",
        "inspection_violation": f"""SELECT uscc FROM inspections r
            WHERE inspection_date {window} AND result = 'violation'
            AND {_genuine("inspections", known_by)}""",
        "black_list": f"""SELECT uscc FROM list_entries r
            WHERE entered_date {window} AND list_type = 'black'
            AND {_genuine("list_entries", known_by)}""",
    }
    union = " UNION ALL ".join(
        f"SELECT uscc, '{kind}' AS kind FROM ({sql})" for kind, sql in outcomes.items()
    )
    counts = ", ".join(f"count(*) FILTER (WHERE kind = '{k}') AS {k}" for k in LABEL_KINDS)
    frame = store.con.execute(
        f"""WITH o AS ({union}), c AS (SELECT uscc, {counts} FROM o GROUP BY uscc)
        SELECT s.uscc, CAST(c.uscc IS NOT NULL AS INTEGER) AS adverse,
               {", ".join(f"coalesce(c.{k}, 0) AS {k}" for k in LABEL_KINDS)}
        FROM subjects s LEFT JOIN c USING (uscc)
        WHERE s.registered_date IS NULL OR s.registered_date <= {sql_date(as_of)}
        ORDER BY s.uscc"""
    ).df()
    return frame


def _genuine(table: str, known_by: dt.date) -> str:
    erroneous = ", ".join(f"'{e}'" for e in _ERRONEOUS)
    return f"""NOT EXISTS (SELECT 1 FROM record_events e WHERE e."table" = '{table}'
        AND e.record_id = r.record_id AND e.event_type IN ({erroneous})
        AND e.event_date <= {sql_date(known_by)})"""


def rolling_origins(
    known_by: dt.date, *, count: int = 4, step_days: int = 91, horizon_days: int = 365
) -> list[dt.date]:
    """``count`` origins ``step_days`` apart, the latest whose label window ends on ``known_by``."""
    latest = known_by - dt.timedelta(days=horizon_days)
    return [latest - dt.timedelta(days=step_days * i) for i in reversed(range(count))]


def training_set(
    store: Store,
    catalog: Catalog,
    origins: list[dt.date],
    *,
    horizon_days: int = 365,
    known_by: dt.date | None = None,
    policy: PublicityPolicy | None = None,
) -> pd.DataFrame:
    """Features at each origin joined with the label over the ``horizon_days`` that follow.

    ``known_by`` defaults to the end of the last label window; no label window may end after it.
    """
    if not origins:
        raise InvalidInput("give at least one origin", field="origins")
    known_by = known_by or max(origins) + dt.timedelta(days=horizon_days)
    policy = policy or load_publicity_policy()
    frames = []
    for origin in sorted(origins):
        features = build_features(store, catalog, as_of=origin, policy=policy)
        outcome = labels(
            store, as_of=origin, horizon_days=horizon_days, known_by=known_by, policy=policy
        )
        frames.append(features.merge(outcome, on="uscc", how="left").assign(as_of=origin))
    return pd.concat(frames, ignore_index=True)
