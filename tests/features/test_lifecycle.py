"""Lifecycle rules, one test each: publicity periods by regime and tier, removal events."""

import datetime as dt

import pytest

from credit_scoring.features.catalog import Catalog, Feature
from credit_scoring.features.engine import build_features, provenance
from credit_scoring.records.ingestion import ingest_file

SHOP = "91350200776049653A"
INGEST_DAY = dt.date(2030, 1, 1)  # lets the tests place decisions and events in 2027
TEXT = {"zh": "处罚", "en": "penalties"}
COUNTED = Feature(
    name="penalties_counted", source="penalties", aggregation="count", dtype="int",
    direction="risk", description=TEXT, reason=TEXT,
)  # fmt: skip
CATALOG = Catalog([COUNTED], {"penalties_counted": None})  # type: ignore[dict-item]


def _penalty(record_id, decided, severity="general", types="fine"):
    return {"record_id": record_id, "uscc": SHOP, "decision_no": f"罚{record_id}",
            "violation_type": "占道经营", "penalty_types": types, "decision_date": decided,
            "severity": severity}  # fmt: skip


@pytest.fixture
def city(store, tmp_path, write):
    subjects = [{"uscc": SHOP, "name": "甲", "subject_type": "enterprise", "region_code": "350200"}]
    ingest_file(store, "subjects", write(subjects, tmp_path / "subjects.csv"), today=INGEST_DAY)

    def add(penalties, events=()):
        path = write(penalties, tmp_path / "penalties.csv")
        ingest_file(store, "penalties", path, today=INGEST_DAY)
        if events:
            path = write(list(events), tmp_path / "record_events.csv")
            ingest_file(store, "record_events", path, today=INGEST_DAY)
        return lambda day: provenance(store, SHOP, COUNTED, as_of=dt.date.fromisoformat(day))

    return add


def test_a_general_penalty_stops_counting_after_its_maximum_period(city):
    counted = city([_penalty("P1", "2026-05-04")])  # 2026 regime: general, at most 12 months
    assert counted("2026-05-04") == ["P1"]  # from its decision day
    assert counted("2027-05-03") == ["P1"]
    assert counted("2027-05-04") == []  # 12 calendar months later it is gone
    assert counted("2026-05-03") == []  # and the day before its decision it did not exist


def test_a_serious_penalty_counts_for_its_longer_period(city):
    counted = city([_penalty("P1", "2026-05-04", severity="serious")])  # 1–3 years
    assert counted("2028-05-03") == ["P1"]
    assert counted("2029-05-03") == ["P1"]
    assert counted("2029-05-04") == []


def test_each_penalty_follows_the_regime_of_its_decision_date(city):
    counted = city([
        _penalty("P2019", "2023-04-30"),  # 2019 rule: general, at most 12 months
        _penalty("P58", "2023-05-01"),  # NDRC Order 58: at most 3 years
        _penalty("P2024", "2024-06-15"),  # Order 58 too: until 2027-06-15
        _penalty("P2026", "2026-04-15"),  # 2026 rule: general, until 2027-04-15
    ])  # fmt: skip
    assert counted("2024-04-29") == ["P58", "P2019"]  # newest first
    assert counted("2024-04-30") == ["P58"]
    assert counted("2027-05-01") == ["P2024"]  # the older decision outlives the newer one


def test_several_penalty_types_in_one_decision_take_the_longest_period(city):
    # Stated "general", but a licence revocation makes it serious: 1–3 years, not 3–12 months.
    counted = city([_penalty("P1", "2026-05-04", types="fine;licence_revocation")])
    assert counted("2027-06-01") == ["P1"]
    assert counted("2029-05-04") == []


@pytest.mark.parametrize("event", ["objection_upheld", "repair_approved", "revoked"])
def test_a_removing_event_takes_the_record_out_from_its_date_on_and_not_before(city, event):
    events = [{"record_id": "P1", "table": "penalties", "event_type": event,
               "event_date": "2025-03-01"}]  # fmt: skip
    counted = city([_penalty("P1", "2025-01-10")], events)
    assert counted("2025-02-28") == ["P1"]
    assert counted("2025-03-01") == []


def test_a_pending_objection_does_not_remove_the_record(city):
    events = [{"record_id": "P1", "table": "penalties", "event_type": "objection_filed",
               "event_date": "2025-03-01"}]  # fmt: skip
    counted = city([_penalty("P1", "2025-01-10")], events)
    assert counted("2025-03-02") == ["P1"]


def test_build_features_agrees_with_provenance(store, city):
    city([_penalty("P1", "2025-01-10"), _penalty("P2", "2025-06-10")])
    frame = build_features(store, CATALOG, as_of=dt.date(2025, 7, 1))
    assert frame.set_index("uscc").loc[SHOP, "penalties_counted"] == 2
