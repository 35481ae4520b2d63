"""Compute the catalog's features for every subject at one ``as_of`` date, in DuckDB SQL.

One aggregate query per source: every feature of a source is a ``FILTER`` aggregate over the
relation :mod:`.sources` builds for ``as_of``, so each table is scanned once however many
features read it. The per-source results are joined onto the subjects that existed at ``as_of``.

A feature with no matching record takes its neutral value: 0 for counts, sums, maxima, decayed
counts, flags and durations; empty (NULL / NaN) for ``days_since`` and ``share`` (no record is not
"0 days ago", and 0 of 0 is no share) and for ``age`` when the registration date is unknown.

Examples
--------
>>> frame = build_features(store, load_catalog(), as_of=dt.date(2026, 6, 30))  # doctest: +SKIP
>>> frame.columns[:3].tolist()  # doctest: +SKIP
['uscc', 'penalty_count_90d', 'penalty_count_365d']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from credit_scoring.features.catalog import (
    BOOLEAN,
    LIST_COLUMNS,
    SOURCES,
    SUM_DECIMALS,
    Catalog,
    Feature,
)
from credit_scoring.features.online import features_of_subjects
from credit_scoring.features.sources import source_sql, sql_date, sql_text
from credit_scoring.policies.publicity import PublicityPolicy, load_publicity_policy
from credit_scoring.records.store import Store, quote

__all__ = [
    "build_features",
    "feature_sql",
    "provenance",
    "provenance_of_pairs",
    "provenance_table",
]

_SQL_TYPES = {"int": "BIGINT", "float": "DOUBLE", "category": "VARCHAR"}


def build_features(
    store: Store,
    catalog: Catalog,
    *,
    as_of: dt.date,
    policy: PublicityPolicy | None = None,
    subjects: list[str] | None = None,
) -> pd.DataFrame:
    """One row per subject existing at ``as_of``: ``uscc`` then every feature of ``catalog``.

    Only what was known on ``as_of`` is read; see :mod:`credit_scoring.features.sources`.
    Pass ``catalog.risk_features()`` to leave out attributes a grade may not use, and
    ``subjects`` to compute a few subjects only (the single-subject path of the API).
    """
    policy = policy or load_publicity_policy()
    if subjects is not None:  # a few rows: planning the SQL would cost more than computing them
        frame, _ = features_of_subjects(
            store, catalog, as_of=as_of, subjects=subjects, policy=policy
        )
        return frame
    sql = feature_sql(catalog, as_of, policy)
    # A relation fetched through Arrow: ten times faster than DuckDB's own DataFrame conversion
    # on a wide result. Its own cursor, so no result left open on the connection gets in the way.
    with store.con.cursor() as cursor:
        frame = cursor.sql(sql).to_arrow_table().to_pandas()
    for feature in catalog:
        if feature.dtype == "category":
            frame[feature.name] = frame[feature.name].astype("category")
        elif feature.rounds_sum:
            frame[feature.name] = np.round(frame[feature.name].to_numpy(), SUM_DECIMALS)
    return frame


def feature_sql(catalog: Catalog, as_of: dt.date, policy: PublicityPolicy) -> str:
    """The whole query: subjects, then one aggregate per source, left-joined on ``uscc``."""
    parts = [f"_subjects AS ({source_sql('subjects', as_of, policy)})"]
    joins, columns = [], []
    for source in SOURCES:
        features = catalog.by_source(source)
        if source == "subjects":
            columns += [f"{_attribute(f, as_of)} AS {quote(f.name)}" for f in features]
            continue
        if not features:
            continue
        aggregates = ", ".join(f"{_aggregate(f, as_of)} AS {quote(f.name)}" for f in features)
        parts.append(
            f"_{source} AS (SELECT uscc, {aggregates} "
            f"FROM ({source_sql(source, as_of, policy)}) GROUP BY uscc)"
        )
        joins.append(f"LEFT JOIN _{source} USING (uscc)")
        columns += [f"{_with_default(f, f'_{source}')} AS {quote(f.name)}" for f in features]
    order = {f.name: i for i, f in enumerate(catalog)}
    columns.sort(key=lambda c: order[c.rsplit(" AS ", 1)[1].strip('"')])
    select = ", ".join(["_subjects.uscc", *columns])
    return f"WITH {', '.join(parts)} SELECT {select} FROM _subjects {' '.join(joins)} ORDER BY uscc"


def _only(subjects: list[str] | None) -> str:
    if subjects is None:
        return ""
    return f"WHERE uscc IN ({', '.join(sql_text(u) for u in subjects) or 'NULL'})"


def _condition(source: str, filters: dict[str, tuple[str, ...]] | None) -> str:
    """A filter as SQL; its columns and values were checked against the code lists at load."""
    terms = []
    for column, values in (filters or {}).items():
        if SOURCES[source][column] is BOOLEAN:
            terms.append(f"{quote(column)} IN ({', '.join(values)})")  # true and/or false
        elif column in LIST_COLUMNS:
            listed = ", ".join(sql_text(v) for v in values)
            terms.append(f"list_has_any({quote(column)}, [{listed}])")
        else:
            terms.append(f"{quote(column)} IN ({', '.join(sql_text(v) for v in values)})")
    return " AND ".join(terms) or "TRUE"


def _window(feature: Feature, as_of: dt.date) -> str:
    days = feature.window_days
    return "TRUE" if days is None else f"day > {sql_date(as_of)} - INTERVAL {days} DAY"


def feature_condition(feature: Feature, as_of: dt.date) -> str:
    """Which records of the source a feature counts (the numerator's, for a share)."""
    return f"({_condition(feature.source, feature.filter)}) AND {_window(feature, as_of)}"


def _aggregate(feature: Feature, as_of: dt.date) -> str:
    where = feature_condition(feature, as_of)
    age = f"date_diff('day', day, {sql_date(as_of)})"
    column = quote(feature.column or "")
    match feature.aggregation:
        case "count":
            return f"count(*) FILTER (WHERE {where})"
        case "sum" | "max" | "min":
            return f"{feature.aggregation}({column}) FILTER (WHERE {where})"
        case "days_since":
            return f"min({age}) FILTER (WHERE {where})"
        case "share":
            denominator = (
                f"({_condition(feature.source, feature.denominator)}) AND {_window(feature, as_of)}"
            )
            return (
                f"count(*) FILTER (WHERE {where} AND {denominator}) "
                f"/ nullif(count(*) FILTER (WHERE {denominator}), 0)"
            )
        case "decayed_count":
            return f"sum(pow(0.5, {age} / {feature.half_life_days})) FILTER (WHERE {where})"
        case "exists":
            return f"CAST(count(*) FILTER (WHERE {where}) > 0 AS INTEGER)"
        case "duration":
            return f"max({age}) FILTER (WHERE {where})"
    raise ValueError(f"aggregation {feature.aggregation!r} is not computed per record")


def _with_default(feature: Feature, relation: str) -> str:
    # Qualified: a feature may share its name with a column of the subjects relation.
    value = f"{relation}.{quote(feature.name)}"
    if feature.aggregation not in {"days_since", "share"}:
        value = f"coalesce({value}, 0)"
    if feature.cap is not None:
        # least() skips NULLs, which would turn "no record" into the cap; an int feature's cap
        # is rounded down so a count never exceeds it.
        cap = math.floor(feature.cap) if feature.dtype == "int" else feature.cap
        value = f"CASE WHEN {value} IS NULL THEN NULL ELSE least({value}, {cap}) END"
    return f"CAST({value} AS {_SQL_TYPES[feature.dtype]})"


def _attribute(feature: Feature, as_of: dt.date) -> str:
    column = f"_subjects.{quote(feature.column or '')}"
    if feature.aggregation == "age":
        return f"CAST(date_diff('day', {column}, {sql_date(as_of)}) AS DOUBLE)"
    return f"CAST({column} AS VARCHAR)"


def provenance(
    store: Store,
    uscc: str,
    feature: Feature,
    *,
    as_of: dt.date,
    policy: PublicityPolicy | None = None,
) -> list[str]:
    """The ids of the records behind one subject's value of ``feature``, newest first.

    Exactly the records that make the value: for a ``share``, those counted in its numerator;
    for a ``sum``, those whose amount is not zero; for ``days_since``, ``duration``, ``max`` and
    ``min``, the one record that decides it; for attributes of the subject itself, none.
    """
    if feature.source == "subjects":
        return []
    return provenance_table(store, feature, as_of=as_of, subjects=[uscc], policy=policy).get(
        uscc, []
    )


def provenance_table(
    store: Store,
    feature: Feature,
    *,
    as_of: dt.date,
    subjects: list[str] | None = None,
    policy: PublicityPolicy | None = None,
) -> dict[str, list[str]]:
    """:func:`provenance` for many subjects at once: USCC → record ids, newest first."""
    if feature.source == "subjects":
        return {}
    relation = source_sql(feature.source, as_of, policy or load_publicity_policy())
    where = _counted(feature, as_of)
    only = _only(subjects).replace("WHERE", "AND")
    rows = store.con.execute(
        f"SELECT uscc, {_record_ids(feature)} FROM ({relation}) WHERE {where} {only} GROUP BY uscc"
    ).fetchall()
    return {uscc: list(records) for uscc, records in rows}


def provenance_of_pairs(
    store: Store,
    catalog: Catalog,
    wanted: pd.DataFrame,
    *,
    as_of: dt.date,
    policy: PublicityPolicy | None = None,
) -> pd.DataFrame:
    """:func:`provenance` for many (subject, feature) pairs: one query per source.

    ``wanted`` has columns ``uscc`` and ``feature``, and any others the caller keys its pairs
    by; a batch of reason codes asks for the few features each subject's reasons name, not every
    feature for every subject. The result has a row per pair with records behind it: the columns
    of ``wanted`` and ``record_ids``, the ids newest first as JSON text (the form explanations
    carry them in, built by DuckDB rather than as a million Python lists).
    """
    policy = policy or load_publicity_policy()
    columns = [c for c in wanted.columns if c != "record_ids"]
    keys = ", ".join(f"w.{quote(c)}" for c in columns)
    parts = []
    with store.con.cursor() as cursor:
        for source, names in _features_by_source(catalog, wanted["feature"].unique()).items():
            pairs = wanted[wanted["feature"].isin(names)][columns]
            cursor.register("_wanted", pa.Table.from_pandas(pairs, preserve_index=False))
            # Each pair keeps the records its own feature counts.
            cases = " ".join(
                f"WHEN {sql_text(n)} THEN ({_counted(catalog[n], as_of)})" for n in names
            )
            ids = " ".join(
                f"WHEN {sql_text(n)} THEN {_record_ids(catalog[n], 'r.')}" for n in names
            )
            parts.append(
                cursor.sql(
                    f"""SELECT {keys}, to_json(CASE w.feature {ids} END) AS record_ids
                    FROM _wanted w JOIN ({source_sql(source, as_of, policy)}) r USING (uscc)
                    WHERE CASE w.feature {cases} END GROUP BY {keys}"""
                ).to_arrow_table()
            )
            cursor.unregister("_wanted")
    if not parts:
        return pd.DataFrame(columns=[*columns, "record_ids"])
    return pa.concat_tables(parts).to_pandas()


def _features_by_source(catalog: Catalog, names: Iterable[str]) -> dict[str, list[str]]:
    by_source: dict[str, list[str]] = {}
    for name in names:
        if catalog[name].source != "subjects":  # a subject's own attributes have no records
            by_source.setdefault(catalog[name].source, []).append(name)
    return by_source


def _counted(feature: Feature, as_of: dt.date) -> str:
    """The records behind a feature's value: those it counts (for a share, its numerator; for a
    sum, those that add something: a fines total does not cite a penalty without a fine)."""
    where = feature_condition(feature, as_of)
    if feature.aggregation == "share":
        where += f" AND ({_condition(feature.source, feature.denominator)})"
    column = quote(feature.column or "")
    if feature.aggregation == "sum":
        where += f" AND coalesce({column}, 0) <> 0"
    elif feature.aggregation in ("max", "min"):
        where += f" AND {column} IS NOT NULL"
    return where


def _record_ids(feature: Feature, prefix: str = "") -> str:
    """The list of record ids behind a value, newest first; for a value one record decides
    (the latest, the oldest, the largest, the smallest), that record alone."""
    column = f"{prefix}{quote(feature.column or '')}"
    decided_by = {
        "days_since": f"{prefix}day DESC", "duration": f"{prefix}day ASC",
        "max": f"{column} DESC", "min": f"{column} ASC",
    }.get(feature.aggregation)  # fmt: skip
    newest = f"{prefix}day DESC, {prefix}record_id"
    if decided_by is None:
        return f"list({prefix}record_id ORDER BY {newest})"
    return f"list({prefix}record_id ORDER BY {decided_by}, {newest})[1:1]"
