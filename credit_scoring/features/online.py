"""Features of a few subjects, computed in Python from their own rows: the on-demand path.

The SQL engine (:mod:`.engine`) is built for a million subjects: DuckDB plans its one query in
about 45 ms whatever the number of rows, which is the whole latency budget of one subject. Here
each subject's rows come from indexed point lookups (the store indexes every record table on
``uscc``), and the catalog is evaluated record by record with the same point-in-time steps as
:mod:`.sources`, named alike. The values and dtypes equal the engine's (a differential test holds
the two together on random cities and catalogs), and the records each feature counted come for
free, so one subject's provenance needs no further query.

Examples
--------
>>> rows = fetch_subject(store, "91350200776049653A")  # doctest: +SKIP
>>> day = dt.date(2026, 6, 30)
>>> values, records = subject_features(rows, catalog, as_of=day, policy=policy)  # doctest: +SKIP
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.features import catalog as definitions
from credit_scoring.features.catalog import Catalog, Feature
from credit_scoring.policies.publicity import PublicityPolicy
from credit_scoring.records import contract
from credit_scoring.records.contract import Kind
from credit_scoring.records.store import Store, quote

__all__ = [
    "HypotheticalEvent",
    "SubjectRows",
    "feature_columns",
    "feature_rows",
    "features_of_subjects",
    "fetch_subject",
    "subject_features",
]

Row = dict[str, Any]
HypotheticalEvent = tuple[str, str, str, dt.date]  # table, record id, event type, date

# Per record table: the date a record exists from, and the columns the features read.
_COLUMNS = {
    "penalties": ("decision_date", "severity, penalty_types, fine_amount, confiscated_amount, "
                  "violation_type"),
    "commitments": ("signed_date", "commitment_type, domain, fulfilment, due_date, verified_date"),
    "complaints": ("received_date", "outcome, channel, closed_date"),
    "inspections": ("inspection_date", "result, random_sample"),
    "list_entries": ("entered_date", "list_type, removed_date"),
    "licences": ("decision_date", "valid_from, valid_to"),
}  # fmt: skip
_DTYPES = {"int": "int64", "float": "float64"}


@dataclass(frozen=True)
class SubjectRows:
    """One subject's stored rows: its register entry, its records and their lifecycle events."""

    subject: Row | None
    records: dict[str, list[Row]]  # table -> rows, each with ``day`` (its primary date)
    events: dict[tuple[str, str], list[Row]]  # (table, record_id) -> its events


def features_of_subjects(
    store: Store,
    catalog: Catalog,
    *,
    as_of: dt.date,
    subjects: Iterable[str],
    policy: PublicityPolicy,
) -> tuple[pd.DataFrame, dict[str, dict[str, list[str]]]]:
    """The engine's feature table for ``subjects`` (by ``uscc``; unknown ones left out) and,
    per subject and feature, the ids of the records counted."""
    rows, records = feature_rows(store, catalog, as_of=as_of, subjects=subjects, policy=policy)
    return _frame(rows, catalog), records


def feature_rows(
    store: Store,
    catalog: Catalog,
    *,
    as_of: dt.date,
    subjects: Iterable[str],
    policy: PublicityPolicy,
    hypothetical_events: Iterable[HypotheticalEvent] = (),
) -> tuple[list[Row], dict[str, dict[str, list[str]]]]:
    """:func:`features_of_subjects` as one dict of values per subject, ordered by ``uscc``.

    ``hypothetical_events`` (table, record id, event type, date) count as if stored: what a
    decision would change, computed without writing it (a reviewer's preview)."""
    rows, records = [], {}
    for uscc in sorted(set(subjects)):
        fetched = fetch_subject(store, uscc)
        for table, record_id, event_type, day in hypothetical_events:
            fetched.events.setdefault((table, record_id), []).append(
                {"event_type": event_type, "event_date": day}
            )
        values, counted = subject_features(fetched, catalog, as_of=as_of, policy=policy)
        if values is not None:
            rows.append(values)
            records[uscc] = counted
    return rows, records


def feature_columns(rows: list[Row], catalog: Catalog) -> dict[str, np.ndarray]:
    """Rows as columns the scorers take without a DataFrame: ``uscc``, then each feature with
    the engine's dtype (a category as its values, ``None`` when missing)."""
    columns = {"uscc": np.array([r["uscc"] for r in rows], dtype=object)}
    for feature in catalog:
        dtype = object if feature.dtype == "category" else _DTYPES[feature.dtype]
        columns[feature.name] = np.array([r[feature.name] for r in rows], dtype=dtype)
    return columns


def _frame(rows: list[Row], catalog: Catalog) -> pd.DataFrame:
    """Rows as the engine returns them: ``uscc``, then each feature with the engine's dtype."""
    # numpy arrays and Categoricals: a Series per column costs more than its one row does.
    columns: dict[str, Any] = feature_columns(rows, catalog)
    columns["uscc"] = pd.array(columns["uscc"], dtype="str")
    for feature in catalog:
        if feature.dtype == "category":
            columns[feature.name] = pd.Categorical(columns[feature.name])
    return pd.DataFrame(columns)


def fetch_subject(store: Store, uscc: str) -> SubjectRows:
    """Read one subject's rows from the store: its register entry and records in one query of
    indexed lookups, then the records' events."""
    cursor = store.con.cursor()  # its own, so a caller's open result is left alone
    try:
        subject: Row | None = None
        records: dict[str, list[Row]] = {table: [] for table in _COLUMNS}
        for source, text in cursor.execute(_SUBJECT_ROWS, [uscc]).fetchall():
            row = json.loads(text)
            for column in _DATES[source]:
                if row[column] is not None:
                    row[column] = dt.date.fromisoformat(row[column])
            if source == "subjects":
                subject = row
            else:
                records[source].append(row)
        events: dict[tuple[str, str], list[Row]] = {}
        ids = [r["record_id"] for rows in records.values() for r in rows]
        if ids:
            marks = ", ".join("?" * len(ids))
            found = cursor.execute(
                f'SELECT "table", record_id, event_type, event_date FROM record_events '
                f"WHERE record_id IN ({marks})",
                ids,
            ).fetchall()
            for table, record_id, event_type, day in found:
                events.setdefault((table, record_id), []).append(
                    {"event_type": event_type, "event_date": day}
                )
    finally:
        cursor.close()
    return SubjectRows(subject, records, events)


def _subject_rows_sql() -> tuple[str, dict[str, list[str]]]:
    """One query for a subject's register entry and all its records, and each table's dates.

    DuckDB spends most of a point lookup setting the query up, so the lookups of every table
    go in one ``UNION ALL``, each row as JSON (one column: tables differ in theirs; binding a
    wide row padded with NULLs cost more). Doubles survive JSON exactly; dates come back as text.
    """
    own = {"subjects": ("", list(_SUBJECT_COLUMNS))}
    own |= {t: (day, ["record_id", *(c.strip() for c in cols.split(","))])
            for t, (day, cols) in _COLUMNS.items()}  # fmt: skip
    parts, dates = [], {}
    for table, (day, columns) in own.items():
        fields = [f"day := {day}"] * bool(day) + [
            f"{c} := {_SUBJECT_DERIVED.get(c, c)}" for c in columns
        ]
        parts.append(
            f"SELECT '{table}', to_json(struct_pack({', '.join(fields)})) "
            f"FROM {quote(table)} WHERE uscc = $1"
        )
        kinds = {c.name: c.kind for c in contract.table(table).columns}
        dates[table] = ["day"] * bool(day) + [
            c for c in columns if kinds.get(c) in (Kind.EVENT_DATE, Kind.TERM_DATE)
        ]
    return " UNION ALL ".join(parts), dates


_SUBJECT_COLUMNS = (
    "uscc", "registered_date", "subject_type", "status", "region_code", "industry_code",
    "primary_domain",
)  # fmt: skip
# Columns of the subjects relation derived as the engine's (``sources._subjects``) derives them.
_SUBJECT_DERIVED = {"primary_domain": "domains[1]"}
_SUBJECT_ROWS, _DATES = _subject_rows_sql()


def subject_features(
    rows: SubjectRows, catalog: Catalog, *, as_of: dt.date, policy: PublicityPolicy
) -> tuple[Row | None, dict[str, list[str]]]:
    """The subject's feature values at ``as_of`` and, per feature, the records it counted.

    ``None`` when the subject did not exist at ``as_of`` (unknown, or registered later). Record
    ids are newest first (by day, then id); a ``days_since`` feature names its latest record only.
    """
    subject = rows.subject
    if subject is None or (subject["registered_date"] or as_of) > as_of:
        return None, {}
    facts = {
        source: _facts(source, rows, as_of, policy)
        for source in definitions.SOURCES
        if source != "subjects" and catalog.by_source(source)
    }
    values: Row = {"uscc": subject["uscc"]}
    records: dict[str, list[str]] = {}
    for feature in catalog:
        if feature.source == "subjects":
            values[feature.name] = _attribute(feature, subject, as_of)
            continue
        value, counted = _aggregate(feature, facts[feature.source], as_of)
        values[feature.name] = value
        records[feature.name] = _behind(feature, counted)
    return values, records


def _behind(feature: Feature, counted: list[Row]) -> list[str]:
    """The ids of the records that make the value, as the engine's ``_record_ids`` gives them:
    newest first (ties by id); the amounts of a sum that add something; the one record that
    decides a latest, oldest, largest or smallest value."""
    by_id = sorted(counted, key=lambda f: f["record_id"])
    newest = sorted(by_id, key=lambda f: f["day"], reverse=True)  # stable: ties stay by id
    column = feature.column or ""
    match feature.aggregation:
        case "sum":
            newest = [f for f in newest if f[column]]
        case "days_since":
            newest = newest[:1]
        case "duration":
            newest = sorted(newest, key=lambda f: f["day"])[:1]
        case "max" | "min":
            present = [f for f in newest if f[column] is not None]
            pick = max if feature.aggregation == "max" else min
            newest = [pick(present, key=lambda f: f[column])] if present else []
    return [f["record_id"] for f in newest]


# --- which records count at as_of, with their derived columns (as in sources.py) --------------


def _facts(source: str, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy) -> list[Row]:
    derive = _DERIVED[source]
    facts = []
    for record in rows.records[source]:
        if not _known_by(record, as_of) or _removed(source, record, rows, as_of, policy):
            continue
        fact = derive(record, rows, as_of, policy)
        if fact is not None:
            facts.append(fact)
    return facts


def _known_by(record: Row, as_of: dt.date) -> bool:
    # A record counts from its own date: a decision of tomorrow does not exist today.
    return bool(record["day"] <= as_of)


def _removed(
    table: str, record: Row, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy
) -> bool:
    # An event removes a record from its date on, not before.
    removing = policy.removing(table)
    return any(
        e["event_type"] in removing and e["event_date"] <= as_of
        for e in rows.events.get((table, record["record_id"]), ())
    )


def _penalty(record: Row, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy) -> Row | None:
    # Inside the maximum publicity period of the regime in force on the decision date.
    types = record["penalty_types"] or ()
    tier = policy.tier(record["severity"], [t for t in types if t in policy.tier_of_penalty_type])
    regime = policy.regime_on(record["day"])
    months = regime.periods[tier].max_months  # type: ignore[index]
    if not as_of < _add_months(record["day"], months):
        return None
    return {**record, "tier": tier}


def _commitment(record: Row, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy) -> Row:
    # An outcome is known from its verification date (else its due date, else its signing).
    known = _first(record["verified_date"], record["due_date"], record["day"]) <= as_of
    status = record["fulfilment"] if record["fulfilment"] != "pending" and known else "pending"
    due = record["due_date"]
    overdue = status == "pending" and due is not None and due < as_of
    return {**record, "status": status, "overdue": overdue}


def _complaint(record: Row, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy) -> Row:
    # Only a closed complaint has an outcome; before closing it was pending.
    closed = _first(record["closed_date"], record["day"]) <= as_of
    outcome = record["outcome"] if record["outcome"] != "pending" and closed else "pending"
    return {**record, "outcome": outcome}


def _list_entry(record: Row, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy) -> Row:
    removed = record["removed_date"]
    return {**record, "active": removed is None or removed > as_of}


def _licence(record: Row, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy) -> Row:
    events = rows.events.get(("licences", record["record_id"]), ())
    if any(e["event_type"] == "revoked" and e["event_date"] <= as_of for e in events):
        state = "revoked"
    elif record["valid_from"] is not None and record["valid_from"] > as_of:
        state = "not_yet_valid"
    elif record["valid_to"] is not None and record["valid_to"] < as_of:
        state = "expired"
    else:
        state = "active"
    return {**record, "state": state}


def _as_is(record: Row, rows: SubjectRows, as_of: dt.date, policy: PublicityPolicy) -> Row:
    return record


_DERIVED: dict[str, Callable[[Row, SubjectRows, dt.date, PublicityPolicy], Row | None]] = {
    "penalties": _penalty,
    "commitments": _commitment,
    "complaints": _complaint,
    "inspections": _as_is,
    "list_entries": _list_entry,
    "licences": _licence,
}


def _first(*days: dt.date | None) -> dt.date:
    return next(d for d in days if d is not None)


def _add_months(day: dt.date, months: int) -> dt.date:
    """DuckDB's ``day + to_months(n)``: a day past the target month's end clips to that end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- one feature's value (as in engine.py) ----------------------------------------------------


def _matches(fact: Row, filters: dict[str, tuple[str, ...]] | None, source: str) -> bool:
    for column, allowed in (filters or {}).items():
        value = fact[column]
        if value is None:
            return False  # SQL: NULL IN (...) is not true
        if column in definitions.LIST_COLUMNS:
            if not any(item in allowed for item in value):
                return False
        elif definitions.SOURCES[source][column] is definitions.BOOLEAN:
            if ("true" if value else "false") not in allowed:
                return False
        elif str(value) not in allowed:
            return False
    return True


def _in_window(feature: Feature, day: dt.date, as_of: dt.date) -> bool:
    days = feature.window_days
    return days is None or day > as_of - dt.timedelta(days=days)


def _aggregate(feature: Feature, facts: list[Row], as_of: dt.date) -> tuple[Any, list[Row]]:
    """The value and the records behind it (for a share, its numerator's)."""
    inside = [f for f in facts if _in_window(feature, f["day"], as_of)]
    counted = [f for f in inside if _matches(f, feature.filter, feature.source)]
    ages = [(as_of - f["day"]).days for f in counted]
    value: Any
    match feature.aggregation:
        case "count":
            value = len(counted)
        case "sum" | "max" | "min":
            present = [f[feature.column or ""] for f in counted]
            value = _reduce(feature.aggregation, [v for v in present if v is not None])
        case "days_since":
            value = min(ages) if ages else None
        case "share":
            base = [f for f in inside if _matches(f, feature.denominator, feature.source)]
            counted = [f for f in base if _matches(f, feature.filter, feature.source)]
            value = len(counted) / len(base) if base else None
        case "decayed_count":
            value = sum(0.5 ** (age / (feature.half_life_days or 1)) for age in ages)
        case "exists":
            value = 1 if counted else 0
        case "duration":
            value = max(ages) if ages else 0
        case other:
            raise ValueError(f"aggregation {other!r} is not computed per record")
    return _typed(feature, _capped(feature, value)), counted


def _reduce(aggregation: str, values: list[float]) -> float:
    if not values:
        return 0  # the engine's coalesce: no record is a neutral 0
    if aggregation == "sum":
        return sum(values)
    return max(values) if aggregation == "max" else min(values)


def _capped(feature: Feature, value: Any) -> Any:
    if feature.cap is None or value is None:
        return value
    # An int feature's cap is rounded down so a count never exceeds it (as the engine does).
    return min(value, math.floor(feature.cap) if feature.dtype == "int" else feature.cap)


def _typed(feature: Feature, value: Any) -> Any:
    if value is None:
        return math.nan if feature.dtype == "float" else None
    if feature.dtype == "int":
        return _round_half_away(value)
    if feature.rounds_sum:  # as the engine rounds it: numpy's rounding, not Python's
        return float(np.round(value, definitions.SUM_DECIMALS))
    return float(value)


def _round_half_away(value: float) -> int:
    """DuckDB's CAST(DOUBLE AS BIGINT): to the nearest whole number, halves away from zero."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _attribute(feature: Feature, subject: Row, as_of: dt.date) -> Any:
    value = subject[feature.column or ""]
    if feature.aggregation == "age":
        return math.nan if value is None else float((as_of - value).days)
    return None if value is None else str(value)
