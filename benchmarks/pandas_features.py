"""The catalog's features in plain pandas: the baseline the DuckDB engine is timed against.

Written the way an analyst would without SQL: read each table into a DataFrame, apply the
point-in-time rules with vectorised masks, add one column per feature, then aggregate each source
with a single ``groupby("uscc").agg``. It gives the engine's values for the catalog
(``tests/features/test_differential.py`` checks it), so timing the two compares equal work.

Examples
--------
>>> frame = pandas_features(store, load_catalog(), dt.date(2026, 6, 30))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from credit_scoring.features.catalog import BOOLEAN, LIST_COLUMNS, SOURCES, Catalog, Feature
from credit_scoring.policies.publicity import TIERS, PublicityPolicy, load_publicity_policy
from credit_scoring.records.store import Store, quote

__all__ = ["pandas_features"]

# Each source's table, the date a record counts from, and the columns its features read.
_TABLES = {
    "penalties": ("decision_date", ["severity", "penalty_types", "fine_amount",
                                    "confiscated_amount", "violation_type"]),
    "commitments": ("signed_date", ["commitment_type", "due_date", "fulfilment",
                                    "verified_date", "domain"]),
    "complaints": ("received_date", ["outcome", "channel", "closed_date"]),
    "inspections": ("inspection_date", ["result", "random_sample"]),
    "list_entries": ("entered_date", ["list_type", "removed_date"]),
    "licences": ("decision_date", ["valid_from", "valid_to"]),
}  # fmt: skip
_NEUTRAL_EMPTY = {"days_since", "share"}  # no record: NaN, not 0


def pandas_features(
    store: Store, catalog: Catalog, as_of: dt.date, policy: PublicityPolicy | None = None
) -> pd.DataFrame:
    """One row per subject existing at ``as_of``: ``uscc`` then every feature of ``catalog``."""
    policy = policy or load_publicity_policy()
    day = pd.Timestamp(as_of)
    own = [c for c in SOURCES["subjects"] if c != "primary_domain"]
    subjects = _read(store, "subjects", ["uscc", *own, "domains"])
    # Derived as the engine derives it: the first of the subject's domains.
    subjects["primary_domain"] = subjects["domains"].str.get(0)
    subjects = subjects[subjects["registered_date"].isna() | (subjects["registered_date"] <= day)]
    frame = subjects.sort_values("uscc").set_index("uscc")
    events = _read(store, "record_events", ["table", "record_id", "event_type", "event_date"])
    events = events[events["event_date"] <= day]
    values = {}
    for source in _TABLES:
        features = catalog.by_source(source)
        if features:
            records = _counted(store, source, events, day, policy)
            aggregated = _aggregate(records, source, features, day).reindex(frame.index)
            values.update({f.name: _finish(aggregated[f.name], f) for f in features})
    for feature in catalog.by_source("subjects"):
        values[feature.name] = _attribute(frame[feature.column or ""], feature, day)
    out = pd.DataFrame({f.name: values[f.name] for f in catalog}, index=frame.index)
    return out.reset_index()


def _read(store: Store, table: str, columns: list[str]) -> pd.DataFrame:
    names = ", ".join(quote(c) for c in columns)
    return store.con.execute(f"SELECT {names} FROM {quote(table)}").df()


def _counted(
    store: Store, source: str, events: pd.DataFrame, day: pd.Timestamp, policy: PublicityPolicy
) -> pd.DataFrame:
    """The records that count at ``day``, their date as ``record_day``, and derived columns."""
    date_column, columns = _TABLES[source]
    records = _read(store, source, ["record_id", "uscc", date_column, *columns])
    records = records.rename(columns={date_column: "record_day"})
    # Known: a record exists from its own date on.
    records = records[records["record_day"] <= day]
    # Not removed: an event of the removing kinds on or before the day takes it out.
    removing = events["event_type"].isin(policy.removing(source)) & (events["table"] == source)
    records = records[~records["record_id"].isin(events.loc[removing, "record_id"])]
    return _DERIVE[source](records.reset_index(drop=True), events, day, policy)


def _penalties(
    records: pd.DataFrame, events: pd.DataFrame, day: pd.Timestamp, policy: PublicityPolicy
) -> pd.DataFrame:
    # Tier: the heaviest of the stated severity and the tier of each penalty type.
    rank = {tier: i for i, tier in enumerate(TIERS)}
    types = records["penalty_types"].explode()
    type_rank = types.map({t: rank[tier] for t, tier in policy.tier_of_penalty_type.items()})
    type_rank = type_rank.groupby(level=0).max().reindex(records.index).fillna(0)
    tier_rank = np.maximum(records["severity"].map(rank).to_numpy(), type_rank.to_numpy())
    records["tier"] = np.asarray(TIERS, dtype=object)[tier_rank.astype(int)]
    # Publicity: max_months of the regime in force on the decision date (the first regime for
    # older decisions), added as calendar months that clip to the month's end.
    months = pd.Series(0, index=records.index)
    for i, regime in enumerate(policy.regimes):
        start = pd.Timestamp(regime.effective_from) if i else pd.Timestamp.min
        stop = pd.Timestamp(regime.effective_to) if regime.effective_to else pd.Timestamp.max
        in_force = records["record_day"].between(start, stop)
        periods = records["tier"].map({t: p.max_months for t, p in regime.periods.items()})
        months = months.where(~in_force, periods)
    ends = pd.Series(pd.NaT, index=records.index, dtype=records["record_day"].dtype)
    for n in months.unique():
        ends[months == n] = records.loc[months == n, "record_day"] + pd.DateOffset(months=int(n))
    return records[day < ends]


def _commitments(
    records: pd.DataFrame, events: pd.DataFrame, day: pd.Timestamp, policy: PublicityPolicy
) -> pd.DataFrame:
    # The outcome is known from verification, else the due date, else signing.
    known = records["verified_date"].fillna(records["due_date"]).fillna(records["record_day"])
    settled = (records["fulfilment"] != "pending") & (known <= day)
    records["status"] = records["fulfilment"].where(settled, "pending")
    records["overdue"] = (records["status"] == "pending") & (records["due_date"] < day)
    return records


def _complaints(
    records: pd.DataFrame, events: pd.DataFrame, day: pd.Timestamp, policy: PublicityPolicy
) -> pd.DataFrame:
    # Only a closed complaint has an outcome; before closing it was pending.
    closed = records["closed_date"].fillna(records["record_day"]) <= day
    records["outcome"] = records["outcome"].where(
        (records["outcome"] != "pending") & closed, "pending"
    )
    return records


def _list_entries(
    records: pd.DataFrame, events: pd.DataFrame, day: pd.Timestamp, policy: PublicityPolicy
) -> pd.DataFrame:
    records["active"] = records["removed_date"].isna() | (records["removed_date"] > day)
    return records


def _licences(
    records: pd.DataFrame, events: pd.DataFrame, day: pd.Timestamp, policy: PublicityPolicy
) -> pd.DataFrame:
    revocations = events[(events["table"] == "licences") & (events["event_type"] == "revoked")]
    revoked = records["record_id"].isin(revocations["record_id"])
    conditions = [revoked, records["valid_from"] > day, records["valid_to"] < day]
    states = ["revoked", "not_yet_valid", "expired"]
    records["state"] = np.select(conditions, states, default="active")
    return records


def _inspections(
    records: pd.DataFrame, events: pd.DataFrame, day: pd.Timestamp, policy: PublicityPolicy
) -> pd.DataFrame:
    return records


_DERIVE = {
    "penalties": _penalties,
    "commitments": _commitments,
    "complaints": _complaints,
    "inspections": _inspections,
    "list_entries": _list_entries,
    "licences": _licences,
}


def _mask(
    records: pd.DataFrame,
    source: str,
    filters: dict[str, tuple[str, ...]] | None,
    exploded: dict[str, pd.Series],
) -> pd.Series:
    mask = pd.Series(True, index=records.index)
    for column, values in (filters or {}).items():
        if column in LIST_COLUMNS:
            # A list matches if any of its items does; explode each list column once per source.
            items = exploded.setdefault(column, records[column].explode())
            hit = items.isin(values).groupby(level=0).any()
            mask &= hit.reindex(records.index, fill_value=False).astype(bool)
        elif SOURCES[source][column] is BOOLEAN:
            mask &= records[column].isin([v == "true" for v in values]).fillna(False)
        elif SOURCES[source][column] == "number":
            mask &= records[column].isin([float(v) for v in values])
        else:
            mask &= records[column].isin(values)
    return mask


def _aggregate(
    records: pd.DataFrame, source: str, features: list[Feature], day: pd.Timestamp
) -> pd.DataFrame:
    """One column per feature (two for a share), then one groupby over the subjects."""
    age = (day - records["record_day"]).dt.days.astype(float)
    columns, named = {"uscc": records["uscc"]}, {}
    exploded: dict[str, pd.Series] = {}
    for feature in features:
        name, days = feature.name, feature.window_days
        window = records["record_day"] > day - pd.Timedelta(days=days) if days else True
        mask = _mask(records, source, feature.filter, exploded) & window
        match feature.aggregation:
            case "count" | "exists":
                columns[name], how = mask.astype(int), "sum"
            case "sum" | "max" | "min":
                columns[name], how = records[feature.column].where(mask), feature.aggregation
            case "days_since" | "duration":
                columns[name] = age.where(mask)
                how = "min" if feature.aggregation == "days_since" else "max"
            case "decayed_count":
                columns[name], how = (0.5 ** (age / feature.half_life_days)).where(mask), "sum"
            case "share":
                denominator = _mask(records, source, feature.denominator, exploded) & window
                columns[name], how = (mask & denominator).astype(int), "sum"
                columns[f"{name} denominator"] = denominator.astype(int)
                named[f"{name} denominator"] = (f"{name} denominator", "sum")
        named[name] = (name, how)
    grouped = pd.DataFrame(columns).groupby("uscc").agg(**named)
    for feature in features:
        if feature.aggregation == "exists":
            grouped[feature.name] = (grouped[feature.name] > 0).astype(int)
        if feature.aggregation == "share":
            denominator = grouped.pop(f"{feature.name} denominator")
            grouped[feature.name] = grouped[feature.name] / denominator.where(denominator > 0)
    return grouped


def _finish(values: pd.Series, feature: Feature) -> pd.Series:
    """Neutral value for subjects without records, the cap, the catalog's dtype."""
    if feature.aggregation not in _NEUTRAL_EMPTY:
        values = values.fillna(0)
    if feature.cap is not None:
        values = values.clip(upper=feature.cap)
    return values.astype("int64" if feature.dtype == "int" else "float64")


def _attribute(values: pd.Series, feature: Feature, day: pd.Timestamp) -> pd.Series:
    if feature.aggregation == "age":
        return (day - values).dt.days.astype(float)
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d")
    return values.astype(object).where(values.notna(), None).astype("category")
