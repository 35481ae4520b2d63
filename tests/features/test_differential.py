"""The SQL engine against a plain-Python reference, on random cities, days and catalogs.

``reference.py`` spells the point-in-time rules out record by record; the engine must give the
same value for every subject and feature (floats within 1e-9, missing equal to missing), and so
must the on-demand path (``build_features(..., subjects=...)``, :mod:`features.online`), whose
records behind each value must be the SQL provenance's. The
pandas benchmark (``benchmarks/pandas_features.py``) is held to the same values, so it does the
same work as the engine when the two are timed.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings

from credit_scoring.features import Catalog, Feature, build_features, load_catalog
from credit_scoring.features.engine import provenance_table
from credit_scoring.features.online import features_of_subjects
from credit_scoring.policies import load_publicity_policy
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store

from .catalogs import describe, random_catalogs
from .cities import City, cities_and_days, load_city
from .reference import differences, reference_features, same_value

_BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "pandas_features.py"
CATALOG = load_catalog()
POLICY = load_publicity_policy()
STORE = Store(":memory:")  # reloaded for every city: creating a schema costs more than a test
# Bounded so the whole folder runs in well under a minute; failures found are replayed first.
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _engine_problems(city: City, days: list[dt.date], catalog: Catalog = CATALOG) -> list[str]:
    problems, store = [], load_city(city, STORE)
    everyone = [uscc for (uscc,) in store.con.execute("SELECT uscc FROM subjects").fetchall()]
    for as_of in days:
        expected = reference_features(store, catalog, as_of, POLICY)
        frame = build_features(store, catalog, as_of=as_of, policy=POLICY)
        problems += [f"as_of {as_of}: {p}" for p in differences(frame, expected, catalog)]
        online, records = features_of_subjects(
            store, catalog, as_of=as_of, subjects=everyone, policy=POLICY
        )
        problems += [f"as_of {as_of}, online: {p}" for p in differences(online, expected, catalog)]
        problems += _provenance_problems(store, catalog, as_of, records)
    return problems


def _provenance_problems(
    store: Store, catalog: Catalog, as_of: dt.date, records: dict[str, dict[str, list[str]]]
) -> list[str]:
    problems = []
    for feature in catalog:
        if feature.source == "subjects":
            continue
        table = provenance_table(store, feature, as_of=as_of, policy=POLICY)
        for uscc, counted in records.items():
            if counted[feature.name] != table.get(uscc, []):
                problems.append(
                    f"as_of {as_of}, {uscc} {feature.name}: online records "
                    f"{counted[feature.name]}, SQL provenance {table.get(uscc, [])}"
                )
    return problems


@PROPERTY
@given(case=cities_and_days())
def test_engine_matches_the_reference_on_the_catalog(case):
    problems = _engine_problems(*case)
    assert not problems, "\n".join(problems)


@PROPERTY
@given(case=cities_and_days(most=4), catalog=random_catalogs())
def test_engine_matches_the_reference_on_random_catalogs(case, catalog):
    note(describe(catalog))
    city, days = case
    problems = _engine_problems(city, days, catalog)
    assert not problems, "\n".join(problems)


def _benchmark() -> ModuleType:
    """``benchmarks/pandas_features.py``, which is a script folder, not a package."""
    spec = importlib.util.spec_from_file_location("pandas_features", _BENCHMARK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pandas_features = _benchmark().pandas_features


@settings(PROPERTY, max_examples=15)
@given(case=cities_and_days(most=3))
def test_the_pandas_benchmark_matches_the_engine(case):
    city, days = case
    problems, store = [], load_city(city, STORE)
    for as_of in days:
        frame = pandas_features(store, CATALOG, as_of, POLICY)
        engine = build_features(store, CATALOG, as_of=as_of, policy=POLICY)
        rows = engine.astype(object).to_dict("records")
        problems += [f"as_of {as_of}: {p}" for p in differences(frame, rows, CATALOG)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "as_of",
    [
        dt.date(2025, 3, 2),  # the day before the first penalty: nothing yet
        dt.date(2025, 6, 19),  # CN2 due but not verified: pending and overdue
        dt.date(2025, 12, 31),
        dt.date(2026, 11, 29),
    ],
)
def test_engine_matches_the_reference_on_the_tiny_city(store, city_dir, as_of):
    ingest_directory(store, city_dir, today=dt.date(2026, 11, 29))
    expected = reference_features(store, CATALOG, as_of, POLICY)
    everyone = [uscc for (uscc,) in store.con.execute("SELECT uscc FROM subjects").fetchall()]
    for frame in (
        build_features(store, CATALOG, as_of=as_of, policy=POLICY),
        build_features(store, CATALOG, as_of=as_of, policy=POLICY, subjects=everyone),
    ):
        problems = differences(frame, expected, CATALOG)
        assert not problems, "\n".join(problems)


def test_the_reference_gives_hand_counted_values_on_the_tiny_city(store, city_dir):
    # Given the tiny city, whose values below were counted by hand from tests/conftest.py
    ingest_directory(store, city_dir, today=dt.date(2026, 11, 29))
    shop, restaurant, flagged = "91350200776049653A", "91440101MA5CJQ4N59", "91350203M0001QAY9B"
    # When the reference computes them
    june = {r["uscc"]: r for r in reference_features(store, CATALOG, dt.date(2025, 6, 19))}
    december = {r["uscc"]: r for r in reference_features(store, CATALOG, dt.date(2025, 12, 31))}
    # Then: CN2 was due on 06-01 and verified only on 06-20, so on 06-19 pending and overdue
    assert june[restaurant]["commitments_overdue_pending"] == 1
    assert june[restaurant]["commitments_breached_count_1095d"] == 0
    assert december[restaurant]["commitments_breached_count_1095d"] == 1
    # CF2 of 06-10 is serious; CF1 of 03-03 is general (fine and warning), 108 days before
    assert june[flagged]["penalty_serious_count_365d"] == 1
    assert june[shop]["penalty_general_count_365d"] == 1
    assert june[shop]["days_since_last_penalty"] == 108
    assert june[shop]["fine_total_365d"] == 500.0
    # TS2 has no closing date: its outcome is known from receipt; TS1 closed on 07-08
    assert december[shop]["complaints_unsubstantiated_count_365d"] == 1
    assert june[restaurant]["complaints_count_365d_capped"] == 0
    assert december[restaurant]["complaints_substantiated_count_365d"] == 1
    # MD1 entered on 07-01 and never removed: 183 days by 12-31
    assert june[flagged]["on_key_attention_list"] == 0
    assert december[flagged]["key_attention_days"] == 183
    assert december[restaurant]["subject_age_days"] == 604.0


# --- Engine bugs these tests found (since fixed), each on the smallest city that shows it -------

SHOP = "91350200776049653A"
AS_OF = dt.date(2025, 6, 30)
TEXT = {"zh": "试", "en": "test"}


def _one_feature(city: City, **spec: object) -> tuple[Any, Any]:
    """The engine's and the reference's value of one feature for SHOP at AS_OF; the on-demand
    path must give the engine's."""
    texts = {"direction": "risk", "description": TEXT, "reason": TEXT}
    feature = Feature.model_validate({**texts, **spec})
    catalog = Catalog([feature], {feature.name: Path("test.yaml")})
    store = load_city({"subjects": [{"uscc": SHOP, "subject_type": "enterprise"}], **city}, STORE)
    got = build_features(store, catalog, as_of=AS_OF, policy=POLICY)[feature.name].iloc[0]
    alone = build_features(store, catalog, as_of=AS_OF, policy=POLICY, subjects=[SHOP])
    assert same_value(alone[feature.name].iloc[0], got)
    return got, reference_features(store, catalog, AS_OF, POLICY)[0][feature.name]


@pytest.mark.parametrize(
    "spec",
    [
        {"aggregation": "days_since", "cap": 30},
        {"aggregation": "share", "filter": {"tier": ["serious"]},
         "denominator": {"tier": ["general", "serious"]}, "cap": 0.5},
    ],
)  # fmt: skip
def test_a_capped_feature_without_records_stays_empty(spec):
    # Given a subject without penalties, when a capped days_since or share is computed
    got, want = _one_feature({}, name="capped", source="penalties", dtype="float", **spec)
    # Then it is empty (NaN) as without the cap, not the cap
    assert same_value(got, want), f"engine {got!r}, reference {want!r}"


def test_a_boolean_filter_listing_both_values_counts_both():
    # Given one sampled and one targeted inspection
    inspections = [
        {"record_id": "J1", "uscc": SHOP, "inspection_date": dt.date(2025, 1, 1),
         "result": "compliant", "random_sample": True},
        {"record_id": "J2", "uscc": SHOP, "inspection_date": dt.date(2025, 2, 1),
         "result": "compliant", "random_sample": False},
    ]  # fmt: skip
    # When inspections with random_sample in [true, false] are counted
    got, want = _one_feature(
        {"inspections": inspections}, name="either", source="inspections", aggregation="count",
        filter={"random_sample": ["true", "false"]}, dtype="int",
    )  # fmt: skip
    # Then both count
    assert (got, want) == (2, 2)


def test_a_commitment_without_due_date_is_not_overdue():
    # Given a pending commitment with no due date
    commitments = [
        {"record_id": "C1", "uscc": SHOP, "commitment_type": "voluntary",
         "signed_date": dt.date(2025, 1, 1), "due_date": None, "fulfilment": "pending"},
    ]  # fmt: skip
    # When commitments that are not overdue are counted
    got, want = _one_feature(
        {"commitments": commitments}, name="not_overdue", source="commitments",
        aggregation="count", filter={"overdue": ["false"]}, dtype="int",
    )  # fmt: skip
    # Then it counts
    assert (got, want) == (1, 1)


def test_an_int_feature_never_exceeds_its_cap():
    # Given two inspections, when they are counted with a cap of 1.5
    inspections = [
        {"record_id": f"J{i}", "uscc": SHOP, "inspection_date": dt.date(2025, 1, 1 + i),
         "result": "compliant"}
        for i in range(2)
    ]  # fmt: skip
    got, want = _one_feature(
        {"inspections": inspections}, name="capped", source="inspections", aggregation="count",
        cap=1.5, dtype="int",
    )  # fmt: skip
    # Then the value is the cap rounded down, a whole number under it
    assert (got, want) == (1, 1)


@pytest.mark.parametrize("name", ["status", "day", "registered_date"])
def test_a_feature_may_be_named_like_a_subject_column(name):
    # Given a commitments feature named like a column of the subjects relation
    # When it is computed, Then the engine answers rather than failing to bind the column
    got, want = _one_feature({}, name=name, source="commitments", aggregation="count", dtype="int")
    assert (got, want) == (0, 0)
