"""Nothing after ``as_of`` reaches a feature: rewriting the future leaves every value as it was.

For a random city and day, every record dated after ``as_of`` is deleted or rewritten (owner,
dates, codes, amounts), and so is every event after it. Of the records already known, whatever
became known only later is rewritten too: a commitment's fulfilment before it was verified, a
complaint's outcome before it was closed, a list removal that had not happened yet, a publication
date still to come, a subject registered later. The engine must give exactly the same table, for
the catalog and for random features on every derived column.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from credit_scoring.features import build_features, load_catalog
from credit_scoring.features.catalog import Catalog
from credit_scoring.records.contract import TABLES, Column, Kind
from credit_scoring.records.store import Store

from .catalogs import describe, random_catalogs
from .cities import POLICY, RECORD_IDS, City, cities_and_days, load_city
from .reference import PRIMARY_DATE

CATALOG = load_catalog()
STORE = Store(":memory:")  # reloaded for every city: creating a schema costs more than a test
_DAY = dt.timedelta(days=1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cities_and_days(most=2),
    extra=random_catalogs(most=6),
    rnd=st.randoms(use_true_random=False),
)
def test_rewriting_what_happened_after_as_of_changes_no_feature(case, extra, rnd):
    city, days = case
    catalog = Catalog([*CATALOG, *extra], {**CATALOG.files, **extra.files})
    note(describe(extra))
    store = load_city(city, STORE)
    before = {as_of: build_features(store, catalog, as_of=as_of, policy=POLICY) for as_of in days}
    for as_of in days:
        # Given the same city with everything after as_of deleted or rewritten
        rewritten = rewrite_the_future(city, as_of, rnd)
        note(f"as_of {as_of}, rewritten: {rewritten}")
        # When its features are computed at as_of
        after = build_features(load_city(rewritten, STORE), catalog, as_of=as_of, policy=POLICY)
        # Then they are those of the city as it was (floats to 1e-12: without an insertion
        # order, DuckDB may add the same terms in another order)
        pd.testing.assert_frame_equal(after, before[as_of], check_exact=False, rtol=1e-12, atol=0)


def rewrite_the_future(city: City, as_of: dt.date, rnd: random.Random) -> City:
    """``city`` with each thing that happened after ``as_of`` deleted or changed at random."""
    owners = [s["uscc"] for s in city["subjects"]] + ["91350200776049653A"]
    out: City = {}
    for table, rows in city.items():
        out[table] = []
        for row in rows:
            day = row[_primary(table)]
            if day is not None and day > as_of:
                if rnd.random() < 0.5:
                    continue  # deleted
                row = _scramble(table, row, as_of, rnd, owners)
            else:
                row = _rewrite_outcomes(table, row, as_of, rnd)
            out[table].append(row)
    return out


def _primary(table: str) -> str:
    return {"subjects": "registered_date", "record_events": "event_date"}.get(
        table, PRIMARY_DATE.get(table, "")
    )


def _future(as_of: dt.date, rnd: random.Random) -> dt.date:
    return as_of + rnd.randint(1, 1000) * _DAY


def _scramble(
    table: str, row: dict[str, Any], as_of: dt.date, rnd: random.Random, owners: list[str]
) -> dict[str, Any]:
    """A record (or event, or subject) of the future with every column but its key redrawn."""
    out = dict(row)
    for column in TABLES[table].columns:
        if column.name in {"record_id", "uscc"} and table != "record_events":
            continue
        out[column.name] = _another(column, as_of, rnd)
    if table not in {"subjects", "record_events"}:
        out["uscc"] = rnd.choice(owners)  # a record may move to another subject
    if table == "record_events":
        out["record_id"] = rnd.choice(RECORD_IDS)
    out[_primary(table)] = _future(as_of, rnd)
    return out


def _codes(table: str, column: str) -> tuple[str, ...]:
    code_list = TABLES[table].column(column).code_list
    return code_list.codes if code_list else ()


def _another(column: Column, as_of: dt.date, rnd: random.Random) -> Any:
    codes = column.code_list.codes if column.code_list else ()
    match column.kind:
        case Kind.CODE:
            return rnd.choice(codes)
        case Kind.CODE_LIST:
            return rnd.sample(codes, rnd.randint(1, 3))
        case Kind.EVENT_DATE | Kind.TERM_DATE:
            return rnd.choice([None, _future(as_of, rnd)])
        case Kind.AMOUNT:
            return rnd.choice([None, rnd.uniform(0, 1e6)])
        case Kind.BOOL:
            return rnd.choice([None, True, False])
        case Kind.PROBABILITY:
            return rnd.choice([None, rnd.random()])
    return "改写"


def _rewrite_outcomes(
    table: str, row: dict[str, Any], as_of: dt.date, rnd: random.Random
) -> dict[str, Any]:
    """A record known at ``as_of`` with the facts learnt only after it redrawn."""
    out = dict(row)

    def future(day: dt.date | None) -> bool:
        return day is not None and day > as_of

    if table == "commitments":
        known = next(d for d in (row["verified_date"], row["due_date"], row["signed_date"]) if d)
        if known > as_of:  # not verified, not due: its fulfilment was unknown
            out["fulfilment"] = rnd.choice(_codes(table, "fulfilment"))
        if future(row["verified_date"]):
            out["verified_date"] = _future(as_of, rnd)
    if table == "complaints" and future(row["closed_date"]):
        out["outcome"] = rnd.choice(_codes(table, "outcome"))
        out["closed_date"] = _future(as_of, rnd)
    if table == "list_entries" and future(row["removed_date"]):
        out["removed_date"] = rnd.choice([None, _future(as_of, rnd)])
    if future(row.get("published_date")):
        out["published_date"] = rnd.choice([None, _future(as_of, rnd)])
    return out


def test_the_rewrite_keeps_the_past_and_changes_the_future():
    # Given a commitment signed in 2025 but verified in 2026, and a complaint of 2026
    shop = "91350200776049653A"
    city: City = {
        "subjects": [{"uscc": shop, "registered_date": dt.date(2020, 1, 1)}],
        "commitments": [
            {"record_id": "R0", "uscc": shop, "signed_date": dt.date(2025, 1, 1),
             "due_date": None, "fulfilment": "breached", "verified_date": dt.date(2026, 1, 1)},
        ],
        "complaints": [
            {"record_id": "R0", "uscc": shop, "received_date": dt.date(2026, 2, 1),
             "outcome": "substantiated", "closed_date": None},
        ],
    }  # fmt: skip
    # When the future after 2025-06-30 is rewritten with many seeds
    rewrites = [rewrite_the_future(city, dt.date(2025, 6, 30), random.Random(i)) for i in range(40)]
    # Then the subject stays, the verification stays in the future, and the complaint changes
    assert all(r["subjects"] == city["subjects"] for r in rewrites)
    assert all(r["commitments"][0]["verified_date"] > dt.date(2025, 6, 30) for r in rewrites)
    assert {r["commitments"][0]["fulfilment"] for r in rewrites} > {"breached"}
    assert any(not r["complaints"] for r in rewrites)
    assert any(r["complaints"] and r["complaints"][0] != city["complaints"][0] for r in rewrites)
