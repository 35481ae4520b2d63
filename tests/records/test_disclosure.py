"""The 双公示 report: rates per authority on the official working-day calendar."""

import datetime as dt

import pytest

from credit_scoring.records.disclosure import ALL_AUTHORITIES, disclosure_report
from credit_scoring.records.ingestion import ingest_directory, ingest_file

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def reported(store, city_dir, tiny, write):
    licences = tiny["licences"] + [  # rejected at ingest (unknown subject), still owed by 城管局
        {**tiny["licences"][0], "record_id": "XK3", "uscc": "913502000728319549"}
    ]
    write(licences, city_dir / "licences.csv")
    ingest_directory(store, city_dir, today=TODAY)
    report = disclosure_report(store, as_of=dt.date(2025, 11, 30), period_from=dt.date(2025, 1, 1))
    return report.summary.set_index(["table", "authority"]), report.exceptions


def test_timeliness_counts_working_days_across_national_day(reported):
    summary, exceptions = reported
    # XK1: decided Fri 26 Sep 2025, published 13 Oct = the 7th working day (28 Sep and 11 Oct are
    # make-up days, 1–8 Oct off): on time. XK2, published 14 Oct: one working day late.
    licences = summary.loc[("licences", "城管局")]
    assert (licences["due_7wd"], licences["on_time_7wd"]) == (2, 1)
    assert licences["timeliness_rate_7wd"] == 0.5
    assert licences["timeliness_rate_20wd"] == 1.0
    late = exceptions[exceptions["problem"] == "published_late"]
    assert late["record_id"].tolist() == ["XK2"]


def test_rejected_rows_count_against_the_authority_compliance(reported):
    summary, exceptions = reported
    licences = summary.loc[("licences", "城管局")]
    assert (licences["decisions"], licences["rejected"]) == (2, 1)
    assert licences["compliance_rate"] == round(2 / 3, 4)
    assert exceptions["problem"].str.startswith("rejected: UNKNOWN_SUBJECT").sum() == 1


def test_an_unpublished_decision_past_its_deadline_is_late(reported):
    summary, exceptions = reported
    penalties = summary.loc[("penalties", "城管局")]
    # CF1 published in 2 days; CF2 (10 June) never published, and flagged for its USCC.
    assert penalties["reporting_rate"] == 0.5
    assert penalties["timeliness_rate_7wd"] == 0.5
    assert penalties["compliance_rate"] == 0.5
    cf2 = exceptions[exceptions["record_id"] == "CF2"]["problem"]
    assert sorted(cf2) == ["flagged", "overdue_unpublished"]


def test_each_table_leads_with_its_total(reported):
    summary, _ = reported
    licences = summary.loc["licences"]
    assert licences.index[0] == ALL_AUTHORITIES
    assert licences.loc[ALL_AUTHORITIES, "decisions"] == licences["decisions"].iloc[1:].sum()


def test_minor_penalties_are_not_owed_publication(store, city_dir, tiny, write):
    ingest_directory(store, city_dir, today=TODAY)
    rows = [{**tiny["penalties"][0], "record_id": "CF6", "severity": "minor", "published_date": "",
             "penalty_types": "warning"}]  # fmt: skip
    ingest_file(store, "penalties", write(rows, city_dir / "more.csv"), today=TODAY)
    report = disclosure_report(store, as_of=dt.date(2025, 11, 30), period_from=dt.date(2025, 1, 1))
    assert "CF6" not in set(report.exceptions["record_id"])


def test_a_decision_still_inside_its_deadline_is_not_yet_due(store, city_dir, tiny, write):
    ingest_directory(store, city_dir, today=TODAY)
    rows = [
        {
            **tiny["penalties"][0],
            "record_id": "CF5",
            "decision_date": "2025-11-27",
            "published_date": "",
        }
    ]
    ingest_file(store, "penalties", write(rows, city_dir / "more.csv"), today=TODAY)
    report = disclosure_report(store, as_of=dt.date(2025, 11, 28), period_from=dt.date(2025, 11, 1))
    penalties = report.summary.set_index(["table", "authority"]).loc[("penalties", "城管局")]
    assert (penalties["decisions"], penalties["due_7wd"], penalties["published"]) == (1, 0, 0)
