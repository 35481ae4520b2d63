"""Credit commitments verified (issue 16.3): which fall due on the official calendar, and a
breach that becomes a record the features, the list criteria and the measures all see."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_scoring.errors import InvalidInput, RecordNotFound
from credit_scoring.grading import GradeInForce, Grader
from credit_scoring.measures import credit_check
from credit_scoring.policies import load_measures
from credit_scoring.records.integrity import verify_store
from credit_scoring.records.store import Store
from credit_scoring.records.workdays import WorkdayCalendar
from credit_scoring.snapshots.standing import standing_records
from credit_scoring.workflows import Workspace, audit_entries, connect
from credit_scoring.workflows.chain import verify_chain
from credit_scoring.workflows.commitments import (
    AlreadyVerified,
    commitments_due,
    list_verifications,
    verify_commitment,
)
from credit_scoring.workflows.identification import identify
from tests.workflows.closed_loop_city import SHOP, STALL, TODAY, build_store

CALENDAR = WorkdayCalendar(dt.date(2026, 1, 1), dt.date(2027, 12, 31))
IN_FORCE = GradeInForce("B", dt.date(2026, 9, 30), "rules test")


@pytest.fixture
def space(tmp_path, workflow_url):
    path = build_store(tmp_path)
    with Store(path) as store:
        yield Workspace(connect(workflow_url), store, Grader.rules_only())


def test_a_commitment_falls_due_on_its_term_or_working_days_after_signing(space):
    due = commitments_due(space.store, as_of=TODAY).set_index("record_id")
    # Only unverified 告知承诺 falling due by the day: not the voluntary one, the one due next
    # year or the one verified in May.
    assert set(due.index) == {"CN_DUE", "CN_NOTERM"}
    assert due.at["CN_DUE", "due_on"] == dt.date(2026, 9, 1)  # its term
    assert due.at["CN_DUE", "verify_by"] == CALENDAR.add(dt.date(2026, 9, 1), 10)
    assert due.at["CN_DUE", "late"]
    # Without a term: 40 working days after signing, on the official calendar, then 10 more
    # across the National Day holidays: 16 October (Monday to Friday would say 12 October).
    assert due.at["CN_NOTERM", "due_on"] == CALENDAR.add(dt.date(2026, 8, 3), 40)
    assert due.at["CN_NOTERM", "verify_by"] == dt.date(2026, 10, 16)
    assert not due.at["CN_NOTERM", "late"]
    later = commitments_due(space.store, as_of=TODAY, within_days=180)
    assert "CN_LATER" in set(later["record_id"])
    # As of a day before the term, nothing is due.
    assert commitments_due(space.store, as_of=dt.date(2026, 8, 31)).empty


def test_nothing_due_is_an_empty_table_that_can_still_be_filtered_on_late(space):
    # Found by schemathesis: GET /v1/commitments/due?as_of=2000-01-01&late=true was a 500.
    nothing = commitments_due(space.store, as_of=dt.date(2000, 1, 1))
    assert nothing.empty and nothing["late"].dtype == bool
    assert list(nothing[nothing["late"]].columns) == list(nothing.columns)


def test_a_breach_becomes_a_record_features_lists_and_measures_see(space, tmp_path):
    grader, store = space.grading(), space.store
    before = credit_check(load_measures(), _standing(store), "licensing", TODAY)
    assert "P08" not in {m.code for m in before.measures}
    assert not identify(store, as_of=TODAY, subjects=[SHOP])

    done, regraded = verify_commitment(
        space,
        "CN_DUE",
        outcome="breached",
        actor="核查员",
        note="未按承诺补齐材料",
        today=TODAY,
        in_force=IN_FORCE,
    )

    # The record: the store's commitment carries the outcome, its pending version kept.
    row = store.con.execute(
        "SELECT fulfilment, verified_date, _version FROM commitments WHERE record_id = 'CN_DUE'"
    ).fetchone()
    assert row == ("breached", TODAY, 2)
    old = store.con.execute(
        "SELECT fulfilment FROM commitments_history WHERE record_id = 'CN_DUE'"
    ).fetchall()
    assert old == [("pending",)]
    # Features see it from its verification date on, never before.
    features = grader.features(store, as_of=TODAY).set_index("uscc")
    assert features.at[SHOP, "commitments_breached_count_1095d"] == 1
    earlier = grader.features(store, as_of=TODAY - dt.timedelta(days=1)).set_index("uscc")
    assert earlier.at[SHOP, "commitments_breached_count_1095d"] == 0
    # The list criteria: a breach within a year proposes the key-attention list (K2).
    candidates = identify(store, as_of=TODAY, subjects=[SHOP])
    assert [(c.list_type, [m.code for m in c.met], c.record_ids) for c in candidates] == [
        ("key_attention", ["K2"], ("CN_DUE",))
    ]
    # The measures: no approval by commitment, citing the breach, for the policy's months.
    check = credit_check(load_measures(), _standing(store), "licensing", TODAY)
    p08 = next(m for m in check.measures if m.code == "P08")
    assert [r["record_id"] for r in p08.records] == ["CN_DUE"]
    assert p08.records[0]["until"] == dt.date(2027, 10, 9)
    # The workflow's own trace: grades before and after, the re-grade saved, the audit entry.
    assert (done.grade_before, done.grade_after) == ("B", regraded.explanation["grade"])
    assert done.store_run.startswith("commitments-")
    entry = audit_entries(space.engine, SHOP)[-1]
    assert (entry["action"], entry["target"]) == ("commitment_breached", "commitment:CN_DUE")
    assert entry["after"]["late"] is True  # recorded after its deadline of 15 September
    assert [v.record_id for v in list_verifications(space.engine, outcome="breached")] == ["CN_DUE"]
    assert verify_chain(space.engine).ok
    # Written like an ingested correction, so the store still accounts for every version.
    store.close()
    assert verify_store(tmp_path / "credit.duckdb").problems == []


def test_a_verified_commitment_leaves_the_due_list_and_a_verification_is_final(space):
    verify_commitment(
        space,
        "CN_NOTERM",
        outcome="fulfilled",
        actor="核查员",
        today=TODAY,
        verified_on=dt.date(2026, 10, 8),
        in_force=IN_FORCE,
    )
    assert "CN_NOTERM" not in set(commitments_due(space.store, as_of=TODAY)["record_id"])
    # As of the day before its verification it was still due: the list is point-in-time.
    earlier = commitments_due(space.store, as_of=dt.date(2026, 10, 7))
    assert "CN_NOTERM" in set(earlier["record_id"])
    with pytest.raises(AlreadyVerified, match="CN_NOTERM was verified fulfilled on 2026-10-08"):
        verify_commitment(
            space, "CN_NOTERM", outcome="breached", actor="x", today=TODAY, in_force=IN_FORCE
        )


def test_a_wrong_verification_is_refused_naming_what_is_wrong(space):
    with pytest.raises(InvalidInput, match="outcome must be one of"):
        verify_commitment(space, "CN_DUE", outcome="kept", actor="x", today=TODAY)
    with pytest.raises(InvalidInput, match="between the signing") as error:
        verify_commitment(
            space,
            "CN_DUE",
            outcome="breached",
            actor="x",
            today=TODAY,
            verified_on=dt.date(2026, 1, 1),
            in_force=IN_FORCE,
        )
    assert error.value.field == "verified_on"
    with pytest.raises(RecordNotFound, match=f"no commitment 'CN_DUE' of subject {STALL}"):
        verify_commitment(
            space,
            "CN_DUE",
            uscc=STALL,
            outcome="breached",
            actor="x",
            today=TODAY,
            in_force=IN_FORCE,
        )
    with pytest.raises(RecordNotFound, match="no record 'CN_NOPE'"):
        verify_commitment(space, "CN_NOPE", outcome="breached", actor="x", today=TODAY)
    assert list_verifications(space.engine) == []


def _standing(store):
    rows = standing_records(store, as_of=TODAY, subjects=[SHOP]).to_pylist()
    return [r for r in rows if r["uscc"] == SHOP]
