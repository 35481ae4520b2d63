"""Random small cities for property tests: a few subjects and records in every table.

A city is plain data, ``{table: [row, ...]}`` with the contract's columns, so a test can change it
(drop a record of the future, rewrite an outcome known only later) and load it again with
:func:`load_city`. Dates cluster around an anchor day between 2019 and 2026, with a share on the
days where rules change: the publicity regime boundaries (2023-05-01, 2026-04-01), month ends
(where adding calendar months clips) and a decision older than the first regime. Record ids
repeat across tables (``R0`` is a penalty and a complaint), so an event must match its table as
well as its id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import strategies as st

from credit_scoring.policies.publicity import load_publicity_policy
from credit_scoring.records import codes
from credit_scoring.records.contract import TABLES
from credit_scoring.records.store import RECORD_META, Store, quote

from .reference import PRIMARY_DATE, publicity_end

City = dict[str, list[dict[str, Any]]]

FIRST_DAY, LAST_DAY = dt.date(2018, 1, 1), dt.date(2027, 12, 31)
SPECIAL_DAYS = tuple(
    dt.date.fromisoformat(d)
    for d in (
        "1999-12-31", "2019-12-31", "2022-01-31", "2023-03-31", "2023-04-30", "2023-05-01",
        "2023-05-31", "2023-08-31", "2024-01-31", "2024-02-29", "2025-05-31", "2025-12-31",
        "2026-01-31", "2026-03-31", "2026-04-01", "2026-05-31", "2026-08-31",
    )
)  # fmt: skip
VIOLATIONS = ("占道经营", "渣土沿途撒漏", "乱倒垃圾")
RECORD_IDS = tuple(f"R{i}" for i in range(6))
_MINOR_TYPES = ("warning", "criticism")  # alone, they leave a minor penalty minor
_REMOVING = ("objection_upheld", "revoked", "repair_approved", "publicity_ended")
_WINDOWS = (90, 365, 730, 1095)
_ANCHORS = st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31))
_OLD = st.dates(dt.date(2000, 1, 1), FIRST_DAY)
POLICY = load_publicity_policy()
_INGESTED_AT = dt.datetime(2028, 1, 1)


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def _near(anchor: dt.date, before: int, after: int) -> st.SearchStrategy[dt.date]:
    days = st.integers(-before, after).map(lambda n: _plus(anchor, n))
    return days.map(lambda d: min(max(d, FIRST_DAY), LAST_DAY))


def _days(anchor: dt.date) -> st.SearchStrategy[dt.date]:
    """Mostly in the year or the few years before the anchor, sometimes a special day or any."""
    return st.one_of(
        _near(anchor, 400, 60),
        _near(anchor, 1200, 300),
        st.sampled_from(SPECIAL_DAYS),
        st.dates(FIRST_DAY, LAST_DAY),
    )


def _later(day: dt.date, most: int) -> st.SearchStrategy[dt.date | None]:
    """Empty, or a day from ``day`` to ``most`` days after it."""
    return st.none() | st.integers(0, most).map(lambda n: _plus(day, n))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _codes(code_list: codes.CodeList) -> st.SearchStrategy[str]:
    return st.sampled_from(code_list.codes)


@st.composite
def _subjects(draw: st.DrawFn, anchor: dt.date) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 4))
    types = draw(st.lists(_codes(codes.SUBJECT_TYPES), min_size=n + 1, max_size=n + 1))
    region = st.sampled_from(["350200", "350203", "440101"])
    regions = draw(st.lists(region, min_size=n + 1, max_size=n + 1))
    seed = draw(st.integers(0, 2**32 - 1))
    usccs = codes.generate_usccs(np.random.default_rng(seed), types, regions)
    return [
        {
            "uscc": uscc,
            "name": f"主体{i}",
            "subject_type": subject_type,
            "region_code": region,
            "industry_code": draw(_maybe(st.sampled_from(["F5261", "H6210", "G5430"]))),
            "registered_date": draw(_maybe(_OLD | _days(anchor))),
            "status": draw(_maybe(_codes(codes.SUBJECT_STATUSES))),
        }
        # The last code is a subject missing from the table: its records must not show up.
        for i, (uscc, subject_type, region) in enumerate(zip(usccs, types, regions, strict=True))
    ]


@st.composite
def _penalty(draw: st.DrawFn, anchor: dt.date, owners: list[str]) -> dict[str, Any]:
    decided = draw(_days(anchor))
    amount = st.integers(0, 200_000).map(float) | st.floats(0, 1e5, allow_nan=False)
    return {
        "uscc": draw(st.sampled_from(owners)),
        "decision_no": "城管罚〔2025〕1号",
        "violation_type": draw(st.sampled_from(VIOLATIONS)),
        "penalty_types": draw(
            st.lists(st.sampled_from(_MINOR_TYPES), min_size=1, max_size=2, unique=True)
            | st.lists(_codes(codes.PENALTY_TYPES), min_size=1, max_size=3, unique=True)
        ),
        "decision_date": decided,
        "severity": draw(_codes(codes.SEVERITIES)),
        "fine_amount": draw(_maybe(amount)),
        "confiscated_amount": draw(_maybe(amount)),
        "published_date": draw(_later(decided, 30)),
    }


@st.composite
def _licence(draw: st.DrawFn, anchor: dt.date, owners: list[str]) -> dict[str, Any]:
    decided = draw(_days(anchor))
    valid_from = draw(_maybe(st.integers(-30, 90).map(lambda n: _plus(decided, n))))
    return {
        "uscc": draw(st.sampled_from(owners)),
        "licence_name": "户外广告设置许可",
        "decision_no": "城管许〔2025〕1号",
        "decision_date": decided,
        "valid_from": valid_from,
        "valid_to": draw(_later(valid_from or decided, 1500)),
        "published_date": draw(_later(decided, 30)),
    }


@st.composite
def _commitment(draw: st.DrawFn, anchor: dt.date, owners: list[str]) -> dict[str, Any]:
    signed = draw(_days(anchor))
    return {
        "uscc": draw(st.sampled_from(owners)),
        "commitment_type": draw(_codes(codes.COMMITMENT_TYPES)),
        "signed_date": signed,
        "due_date": draw(_later(signed, 730)),
        "fulfilment": draw(_codes(codes.FULFILMENTS)),
        "verified_date": draw(_later(signed, 900)),
        "domain": draw(_maybe(_codes(codes.DOMAINS))),
    }


@st.composite
def _complaint(draw: st.DrawFn, anchor: dt.date, owners: list[str]) -> dict[str, Any]:
    received = draw(_days(anchor))
    return {
        "uscc": draw(st.sampled_from(owners)),
        "received_date": received,
        "outcome": draw(_codes(codes.COMPLAINT_OUTCOMES)),
        "channel": draw(_maybe(_codes(codes.COMPLAINT_CHANNELS))),
        "category": "噪声",
        "closed_date": draw(_later(received, 120)),
    }


@st.composite
def _inspection(draw: st.DrawFn, anchor: dt.date, owners: list[str]) -> dict[str, Any]:
    return {
        "uscc": draw(st.sampled_from(owners)),
        "inspection_date": draw(_days(anchor)),
        "result": draw(_codes(codes.INSPECTION_RESULTS)),
        "random_sample": draw(_maybe(st.booleans())),
        "inclusion_prob": draw(_maybe(st.floats(0.01, 1.0))),
    }


@st.composite
def _list_entry(draw: st.DrawFn, anchor: dt.date, owners: list[str]) -> dict[str, Any]:
    entered = draw(_days(anchor))
    return {
        "uscc": draw(st.sampled_from(owners)),
        "list_type": draw(_codes(codes.LIST_TYPES)),
        "entered_date": entered,
        "removed_date": draw(_later(entered, 1500)),
        "reason": "多次违规",
    }


@st.composite
def _event(draw: st.DrawFn, anchor: dt.date, records: list[tuple[str, str]]) -> dict[str, Any]:
    """Mostly on a record of the city, often a removing one; sometimes on nothing."""
    anything = st.tuples(_codes(codes.RECORD_TABLES), st.sampled_from(RECORD_IDS))
    table, record_id = draw(st.sampled_from(records) | anything if records else anything)
    kinds = st.sampled_from(_REMOVING) | _codes(codes.EVENT_TYPES)
    if table == "licences":
        kinds = st.just("revoked") | kinds  # not removing, but it changes the licence's state
    return {
        "record_id": record_id,
        "table": table,
        "event_type": draw(kinds),
        "event_date": draw(_days(anchor)),
    }


def _event_key(event: dict[str, Any]) -> tuple[Any, ...]:
    return (event["table"], event["record_id"], event["event_type"], event["event_date"])


_RECORDS = {
    "penalties": _penalty,
    "licences": _licence,
    "commitments": _commitment,
    "complaints": _complaint,
    "inspections": _inspection,
    "list_entries": _list_entry,
}


@st.composite
def cities(draw: st.DrawFn, anchor: dt.date | None = None) -> City:
    """A city of one to four subjects and up to six records in each record table."""
    anchor = anchor or draw(_ANCHORS)
    subjects = draw(_subjects(anchor))
    # Records name the last subject, missing from the table, about once in ten.
    owners = [s["uscc"] for s in subjects[:-1]] * 9 + [subjects[-1]["uscc"]] * len(subjects[:-1])
    city: City = {"subjects": subjects[:-1]}
    for table, record in _RECORDS.items():
        rows = draw(st.lists(record(anchor, owners), max_size=6))
        city[table] = [{"record_id": f"R{i}", **row} for i, row in enumerate(rows)]
    records = [(t, row["record_id"]) for t in _RECORDS for row in city[t]]
    events = st.lists(_event(anchor, records), max_size=10, unique_by=_event_key)
    city["record_events"] = draw(events)
    return city


def changing_days(table: str, row: dict[str, Any]) -> list[list[dt.date]]:
    """The days a feature of this row's subject may change on, by kind: each of its dates
    (decided, due, verified, closed, removed, valid to, an event's), the ends of the catalog's
    windows after its primary date and, for a penalty, the end of its publicity."""
    kinds = [[v] for v in row.values() if isinstance(v, dt.date)]
    start = row.get(PRIMARY_DATE.get(table, ""))
    if start is not None:
        kinds.append([_plus(start, n) for n in _WINDOWS])
    if table == "penalties":
        kinds.append([publicity_end(row, POLICY)])
    return kinds


@st.composite
def _changing_day(draw: st.DrawFn, city: City) -> dt.date:
    """A day on which something changes, or the day before: the first counts it, the second not.

    A table first, then a record, then a kind of change and a day of it, so that each kind
    comes up often however many records and dates the city has.
    """
    groups = {t: [k for row in rows if (k := changing_days(t, row))] for t, rows in city.items()}
    table = draw(st.sampled_from(sorted(t for t, g in groups.items() if g)))
    kind = draw(st.sampled_from(draw(st.sampled_from(groups[table]))))
    return _plus(draw(st.sampled_from(kind)), draw(st.sampled_from([-1, 0])))


@st.composite
def cities_and_days(draw: st.DrawFn, most: int = 6) -> tuple[City, list[dt.date]]:
    """A city and up to ``most`` days to compute its features on: near its records, and mostly
    on or the day before a day when one of its features changes."""
    anchor = draw(_ANCHORS)
    city = draw(cities(anchor))
    choices = [_near(anchor, 200, 60), st.dates(FIRST_DAY, LAST_DAY)]
    if any(changing_days(t, row) for t, rows in city.items() for row in rows):
        choices += [_changing_day(city)] * 6
    days = st.lists(st.one_of(choices), min_size=(most + 1) // 2, max_size=most, unique=True)
    return city, draw(days)


def load_city(city: City, store: Store | None = None) -> Store:
    """``city`` in ``store`` (emptied first) or in a new in-memory store; missing columns NULL.

    Reusing one store saves creating the schema for every example.
    """
    store = store or Store(":memory:")
    for name in TABLES:
        store.con.execute(f"DELETE FROM {quote(name)}")
    for name, rows in city.items():
        if rows:
            _insert(store, name, rows)
    return store


def _insert(store: Store, name: str, rows: list[dict[str, Any]]) -> None:
    """One INSERT for all rows: much faster than one per row on tables this small."""
    columns = [*TABLES[name].column_names, *(m for m, _ in RECORD_META)]
    names = ", ".join(quote(c) for c in columns)
    marks = "(" + ", ".join("?" for _ in columns) + ")"
    values = [
        value
        for i, row in enumerate(rows)
        for value in [row.get(c) for c in TABLES[name].column_names]
        + [i + 1, f"{name}.csv", "hypothesis", None, str(i), 1, _INGESTED_AT]
    ]
    rows_sql = ", ".join(marks for _ in rows)
    store.con.execute(f"INSERT INTO {quote(name)} ({names}) VALUES {rows_sql}", values)
