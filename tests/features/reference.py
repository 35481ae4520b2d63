"""A slow, obviously correct reference for the feature engine: plain Python over the store's rows.

Every table is read into a list of dicts, and each feature of *any* catalog is computed subject by
subject and record by record, with the point-in-time rules written out one by one:

- a record counts from its primary date on, until an event of ``policy.removing(table)`` dated on
  or before ``as_of`` names it, and (penalties) while ``as_of`` is before its decision date plus
  the maximum publicity months of the regime in force on that date, for its tier;
- derived columns are what was known on ``as_of`` (pending until verified or closed, ...);
- a window of N days holds the days in ``(as_of - N, as_of]``.

Nothing here uses DuckDB beyond ``SELECT *``; calendar months are added by hand. The engine and
the pandas benchmark are checked against it with :func:`differences`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from credit_scoring.features.catalog import LIST_COLUMNS, SOURCES, Catalog, Feature
from credit_scoring.policies.publicity import TIERS, PublicityPolicy, load_publicity_policy
from credit_scoring.records.store import Store, quote

Row = dict[str, Any]

# The date a record exists from, and the date windows count from.
PRIMARY_DATE = {
    "penalties": "decision_date",
    "licences": "decision_date",
    "commitments": "signed_date",
    "complaints": "received_date",
    "inspections": "inspection_date",
    "list_entries": "entered_date",
}
TOLERANCE = 1e-9


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months; a day past the target month's end clips to that end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def read_tables(store: Store) -> dict[str, list[Row]]:
    """Every row of every source table and of ``record_events``, as dicts of Python values."""
    tables = {}
    for name in [*SOURCES, "record_events"]:
        cursor = store.con.execute(f"SELECT * FROM {quote(name)}")
        columns = [d[0] for d in cursor.description]
        tables[name] = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    return tables


def reference_features(
    store: Store,
    catalog: Catalog,
    as_of: dt.date,
    policy: PublicityPolicy | None = None,
) -> list[Row]:
    """One dict per subject existing at ``as_of``, by ``uscc``: ``uscc`` then each feature."""
    policy = policy or load_publicity_policy()
    tables = read_tables(store)
    facts = {
        source: _facts(source, tables, as_of, policy) for source in SOURCES if source != "subjects"
    }
    subjects = [
        s
        for s in tables["subjects"]
        if s["registered_date"] is None or s["registered_date"] <= as_of
    ]
    rows = []
    for subject in sorted(subjects, key=lambda s: s["uscc"]):
        row: Row = {"uscc": subject["uscc"]}
        for feature in catalog:
            if feature.source == "subjects":
                row[feature.name] = _subject_value(feature, subject, as_of)
            else:
                own = [f for f in facts[feature.source] if f["uscc"] == subject["uscc"]]
                row[feature.name] = _value(feature, own, as_of)
        rows.append(row)
    return rows


# --- which records count, with their derived columns ------------------------------------------


def _facts(
    source: str, tables: dict[str, list[Row]], as_of: dt.date, policy: PublicityPolicy
) -> list[Row]:
    facts = []
    for record in tables[source]:
        day = record[PRIMARY_DATE[source]]
        if day > as_of:
            continue
        if _removed(source, record["record_id"], tables["record_events"], as_of, policy):
            continue
        fact = dict(record, day=day)
        if source == "penalties":
            fact["tier"] = _tier(record["severity"], record["penalty_types"], policy)
            if not as_of < publicity_end(record, policy):
                continue
        elif source == "commitments":
            known = _first_present(record["verified_date"], record["due_date"], day) <= as_of
            fact["status"] = record["fulfilment"] if known else "pending"
            due = record["due_date"]
            fact["overdue"] = fact["status"] == "pending" and due is not None and due < as_of
        elif source == "complaints":
            closed = _first_present(record["closed_date"], day) <= as_of
            fact["outcome"] = record["outcome"] if closed else "pending"
        elif source == "list_entries":
            fact["active"] = record["removed_date"] is None or record["removed_date"] > as_of
        elif source == "licences":
            fact["state"] = _licence_state(record, tables["record_events"], as_of)
        facts.append(fact)
    return facts


def _removed(
    table: str, record_id: str, events: list[Row], as_of: dt.date, policy: PublicityPolicy
) -> bool:
    removing = policy.removing_events.get(table, policy.removing_events["default"])
    return any(
        e["table"] == table
        and e["record_id"] == record_id
        and e["event_type"] in removing
        and e["event_date"] <= as_of
        for e in events
    )


def publicity_end(penalty: Row, policy: PublicityPolicy) -> dt.date:
    """The first day a penalty no longer counts: its maximum publicity period has run out."""
    decided = penalty["decision_date"]
    tier = _tier(penalty["severity"], penalty["penalty_types"], policy)
    return add_months(decided, _max_months(decided, tier, policy))


def _tier(severity: str, penalty_types: Iterable[str] | None, policy: PublicityPolicy) -> str:
    ranks = [TIERS.index(severity)]
    for penalty_type in penalty_types or ():
        if penalty_type in policy.tier_of_penalty_type:
            ranks.append(TIERS.index(policy.tier_of_penalty_type[penalty_type]))
    return TIERS[max(ranks)]


def _max_months(decided: dt.date, tier: str, policy: PublicityPolicy) -> int:
    regime = policy.regimes[0]  # also for decisions before the first regime
    for candidate in policy.regimes:
        ends = candidate.effective_to or dt.date.max
        if candidate.effective_from <= decided <= ends:
            regime = candidate
    return regime.periods[tier].max_months  # type: ignore[index]


def _licence_state(record: Row, events: list[Row], as_of: dt.date) -> str:
    revoked = any(
        e["table"] == "licences"
        and e["record_id"] == record["record_id"]
        and e["event_type"] == "revoked"
        and e["event_date"] <= as_of
        for e in events
    )
    if revoked:
        return "revoked"
    if record["valid_from"] is not None and record["valid_from"] > as_of:
        return "not_yet_valid"
    if record["valid_to"] is not None and record["valid_to"] < as_of:
        return "expired"
    return "active"


def _first_present(*days: dt.date | None) -> dt.date:
    return next(d for d in days if d is not None)


# --- one feature's value for one subject ------------------------------------------------------


def _matches(fact: Row, filters: dict[str, tuple[str, ...]] | None) -> bool:
    return all(_allowed(column, fact[column], values) for column, values in (filters or {}).items())


def _allowed(column: str, value: Any, values: tuple[str, ...]) -> bool:
    if value is None:
        return False
    if column in LIST_COLUMNS:
        return any(item in values for item in value)
    if isinstance(value, bool):
        return ("true" if value else "false") in values
    if isinstance(value, int | float):
        return any(float(v) == value for v in values)
    return str(value) in values


def _in_window(feature: Feature, day: dt.date, as_of: dt.date) -> bool:
    days = feature.window_days
    return days is None or as_of - dt.timedelta(days=days) < day <= as_of


def _value(feature: Feature, facts: list[Row], as_of: dt.date) -> float:
    counted = [f for f in facts if _in_window(feature, f["day"], as_of)]
    matching = [f for f in counted if _matches(f, feature.filter)]
    ages = [(as_of - f["day"]).days for f in matching]
    value: float
    match feature.aggregation:
        case "count":
            value = len(matching)
        case "sum" | "max" | "min":
            column = feature.column or ""
            present = [f[column] for f in matching if f[column] is not None]
            if not present:
                value = 0
            elif feature.aggregation == "sum":
                value = sum(present)
            else:
                value = max(present) if feature.aggregation == "max" else min(present)
        case "days_since":
            value = float(min(ages)) if ages else math.nan
        case "share":
            denominator = [f for f in counted if _matches(f, feature.denominator)]
            numerator = [f for f in denominator if _matches(f, feature.filter)]
            value = len(numerator) / len(denominator) if denominator else math.nan
        case "decayed_count":
            half_life = feature.half_life_days or 0
            value = sum(0.5 ** (age / half_life) for age in ages) if ages else 0.0
        case "exists":
            value = 1 if matching else 0
        case "duration":
            value = max(ages) if ages else 0
        case other:
            raise ValueError(f"{feature.name}: {other} is not an aggregation over records")
    if feature.cap is not None and not math.isnan(value):
        # An int feature's cap is rounded down, so the value stays a whole number under it.
        value = min(value, math.floor(feature.cap) if feature.dtype == "int" else feature.cap)
    return value


def _subject_value(feature: Feature, subject: Row, as_of: dt.date) -> float | str | None:
    if feature.column == "primary_domain":  # derived: the first of the subject's domains
        value = subject["domains"][0] if subject["domains"] else None
    else:
        value = subject[feature.column or ""]
    if feature.aggregation == "age":
        return math.nan if value is None else float((as_of - value).days)
    return None if value is None else str(value)


# --- comparing a computed frame with the reference --------------------------------------------


def differences(
    frame: pd.DataFrame, expected: Sequence[Mapping[Any, Any]], catalog: Catalog
) -> list[str]:
    """Every way ``frame`` differs from the reference rows: columns, subjects, dtypes, values."""
    names = [f.name for f in catalog]
    if list(frame.columns) != ["uscc", *names]:
        return [f"columns {list(frame.columns)} != {['uscc', *names]}"]
    actual = frame.astype(object).to_dict("records")
    if [r["uscc"] for r in actual] != [r["uscc"] for r in expected]:
        return [f"subjects {[r['uscc'] for r in actual]} != {[r['uscc'] for r in expected]}"]
    problems = [p for f in catalog if (p := _dtype_problem(frame[f.name], f))]
    for got, want in zip(actual, expected, strict=True):
        problems += [
            f"{want['uscc']} {name}: got {got[name]!r}, reference {want[name]!r}"
            for name in names
            if not same_value(got[name], want[name])
        ]
    return problems


def _dtype_problem(column: pd.Series, feature: Feature) -> str | None:
    ok = {
        "int": pd.api.types.is_integer_dtype,
        "float": pd.api.types.is_float_dtype,
        "category": lambda d: isinstance(d, pd.CategoricalDtype),
    }[feature.dtype](column.dtype)
    return None if ok else f"{feature.name}: dtype {column.dtype} is not {feature.dtype}"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def same_value(got: Any, want: Any) -> bool:
    """Equal strings, numbers within :data:`TOLERANCE`, or both missing (None, NA or NaN)."""
    if _missing(got) or _missing(want):
        return _missing(got) and _missing(want)
    if isinstance(got, str) or isinstance(want, str):
        return bool(got == want)
    return math.isclose(float(got), float(want), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
