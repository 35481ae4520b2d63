"""The label looks strictly after as_of; training sets never let a label window pass known_by."""

import datetime as dt

import pytest

from credit_scoring.features.catalog import load_catalog
from credit_scoring.features.labels import labels, rolling_origins, training_set
from credit_scoring.records.ingestion import ingest_file

SHOP = "91350200776049653A"
AS_OF = dt.date(2025, 1, 1)


@pytest.fixture
def add(store, tmp_path, write):
    subjects = [{"uscc": SHOP, "name": "甲", "subject_type": "enterprise", "region_code": "350200",
                 "registered_date": "2010-01-01"}]  # fmt: skip
    ingest_file(store, "subjects", write(subjects, tmp_path / "subjects.csv"))

    def ingest(table, rows):
        ingest_file(store, table, write(rows, tmp_path / f"{table}.csv"))

    return ingest


def _serious(record_id, decided):
    return {"record_id": record_id, "uscc": SHOP, "decision_no": record_id,
            "violation_type": "渣土撒漏", "penalty_types": "fine", "decision_date": decided,
            "severity": "serious"}  # fmt: skip


def _adverse(store, **options):
    return labels(store, as_of=AS_OF, **options).set_index("uscc").loc[SHOP]


@pytest.mark.parametrize(
    ("decided", "adverse"),
    [("2025-01-01", 0), ("2025-01-02", 1), ("2026-01-01", 1), ("2026-01-02", 0)],
)
def test_the_label_window_is_strictly_after_as_of(store, add, decided, adverse):
    add("penalties", [_serious("P1", decided)])
    assert _adverse(store)["adverse"] == adverse


def test_a_general_penalty_is_not_an_adverse_outcome(store, add):
    add("penalties", [{**_serious("P1", "2025-03-01"), "severity": "general"}])
    assert _adverse(store)["adverse"] == 0


def test_an_erroneous_record_is_not_an_outcome_once_known(store, add):
    add("penalties", [_serious("P1", "2025-03-01")])
    add(
        "record_events",
        [
            {
                "record_id": "P1",
                "table": "penalties",
                "event_type": "objection_upheld",
                "event_date": "2025-04-01",
            }
        ],
    )
    assert _adverse(store)["adverse"] == 0
    # Training as of 2026-03-01 knew it was upheld; as of the window's end it was known too.
    assert _adverse(store, known_by=dt.date(2026, 3, 1))["adverse"] == 0


def test_a_complaint_counts_once_its_substantiation_is_known(store, add):
    add(
        "complaints",
        [
            {
                "record_id": "C1",
                "uscc": SHOP,
                "received_date": "2025-12-20",
                "outcome": "substantiated",
                "closed_date": "2026-01-10",
            }
        ],
    )
    assert _adverse(store)["adverse"] == 0  # closed after the window's end: not yet known
    assert _adverse(store, known_by=dt.date(2026, 2, 1))["substantiated_complaint"] == 1


def test_each_outcome_kind_is_counted(store, add):
    add(
        "inspections",
        [{"record_id": "J1", "uscc": SHOP, "inspection_date": "2025-05-05", "result": "violation"}],
    )
    add(
        "list_entries",
        [{"record_id": "M1", "uscc": SHOP, "list_type": "black", "entered_date": "2025-06-01"}],
    )
    row = _adverse(store)
    assert (row["adverse"], row["inspection_violation"], row["black_list"]) == (1, 1, 1)


def test_a_label_window_may_not_end_after_what_is_known(store, add):
    with pytest.raises(ValueError, match="after what is known"):
        labels(store, as_of=AS_OF, known_by=dt.date(2025, 6, 30))
    with pytest.raises(ValueError, match="after what is known"):
        training_set(store, load_catalog(), [AS_OF], known_by=dt.date(2025, 6, 30))


def test_rolling_origins_end_their_last_window_on_known_by():
    origins = rolling_origins(dt.date(2026, 9, 30), count=3, step_days=91)
    assert origins[-1] + dt.timedelta(days=365) == dt.date(2026, 9, 30)
    assert origins == sorted(origins) and len(set(origins)) == 3


def test_a_training_set_stacks_features_and_labels_per_origin(store, add):
    add("penalties", [_serious("P1", "2025-03-01")])
    origins = [dt.date(2024, 6, 1), AS_OF]
    frame = training_set(store, load_catalog().risk_features(), origins)
    assert frame["as_of"].tolist() == origins
    assert frame["adverse"].tolist() == [1, 1]  # P1 falls in both windows
    assert frame["penalty_count_1095d"].tolist() == [0, 0]  # and in neither's features
