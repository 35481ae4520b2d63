"""A reason cites exactly the records behind its value (issue 13): recomputing every feature
from the records it cites, and from nothing else, gives the feature's value.

"近三年罚款合计31,100元" used to cite a 通报批评 penalty that carried no fine: a sum cited every
record in its window. Now a sum cites the records that add to it, a latest, oldest, largest or
smallest value the one record that decides it, and a count all it counts.
"""

import datetime as dt
import math

from hypothesis import HealthCheck, given, settings

from credit_scoring.features import build_features, load_catalog
from credit_scoring.features.engine import _condition, _window, provenance_table
from credit_scoring.features.sources import source_sql
from credit_scoring.policies import load_publicity_policy
from credit_scoring.records.store import Store

from .cities import cities_and_days, load_city
from .reference import same_value

CATALOG = load_catalog()
POLICY = load_publicity_policy()
STORE = Store(":memory:")


def _recomputed(feature, cited: list[dict], as_of: dt.date, denominator: int) -> object:
    """The feature's value from the cited records alone (a share also needs its denominator)."""
    ages = [(as_of - row["day"]).days for row in cited]
    values = [row[feature.column] for row in cited] if feature.column else []
    match feature.aggregation:
        case "count":
            value = len(cited)
        case "exists":
            value = int(bool(cited))
        case "sum":
            value = sum(values)
        case "max" | "min" | "days_since" | "duration":
            assert len(cited) <= 1, "one record decides this value"
            if cited:
                value = values[0] if feature.column else ages[0]
            else:  # no record: the engine's neutral value
                value = None if feature.aggregation == "days_since" else 0
        case "decayed_count":
            value = sum(0.5 ** (age / feature.half_life_days) for age in ages)
        case "share":
            value = len(cited) / denominator if denominator else None
    if feature.cap is not None and value is not None:
        value = min(value, math.floor(feature.cap) if feature.dtype == "int" else feature.cap)
    return value


def _problems(store: Store, as_of: dt.date) -> list[str]:
    problems = []
    frame = build_features(store, CATALOG, as_of=as_of, policy=POLICY).set_index("uscc")
    for feature in CATALOG:
        if feature.source == "subjects":
            continue
        relation = source_sql(feature.source, as_of, POLICY)
        rows = store.con.execute(f"SELECT * FROM ({relation})").fetchdf().to_dict("records")
        by_id = {(r["uscc"], r["record_id"]): r for r in rows}
        cited = provenance_table(store, feature, as_of=as_of, policy=POLICY)
        for uscc, value in frame[feature.name].items():
            denominator = 0
            if feature.aggregation == "share":
                where = f"({_condition(feature.source, feature.denominator)}) AND " + _window(
                    feature, as_of
                )
                [(denominator,)] = store.con.execute(
                    f"SELECT count(*) FROM ({relation}) WHERE uscc = ? AND {where}", [uscc]
                ).fetchall()
            records = [by_id[(uscc, rid)] for rid in cited.get(uscc, [])]
            for row in records:
                row["day"] = row["day"].date() if hasattr(row["day"], "date") else row["day"]
            again = _recomputed(feature, records, as_of, denominator)
            if not same_value(again, value):
                problems.append(f"{as_of} {uscc} {feature.name}: value {value}, from the "
                                f"{len(records)} cited records {again}")  # fmt: skip
    return problems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cities_and_days(most=3))
def test_every_feature_equals_its_value_recomputed_from_the_records_it_cites(case):
    city, days = case
    store = load_city(city, STORE)
    problems = [p for day in days for p in _problems(store, day)]
    assert not problems, "\n".join(problems)


def test_a_fines_total_does_not_cite_a_penalty_without_a_fine(store, city_dir):
    from credit_scoring.records.ingestion import ingest_directory

    ingest_directory(store, city_dir, today=dt.date(2026, 11, 29))
    store.con.execute("UPDATE penalties SET fine_amount = 0 WHERE record_id = 'CF1'")
    fines = CATALOG["fine_total_1095d"]
    cited = provenance_table(store, fines, as_of=dt.date(2025, 12, 31))
    assert all("CF1" not in ids for ids in cited.values())
    count = CATALOG["penalty_count_1095d"]  # a count still cites it: it counts
    counted = provenance_table(store, count, as_of=dt.date(2025, 12, 31))
    assert any("CF1" in ids for ids in counted.values())
