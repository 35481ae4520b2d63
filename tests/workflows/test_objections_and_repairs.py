"""Objections and repairs: deadlines, removal of the record, re-grades, refusals, the audit."""

import datetime as dt

import pytest
import sqlalchemy

from credit_scoring.errors import AlreadyDecided, Conflict
from credit_scoring.grading import Grader
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city
from credit_scoring.workflows import (
    Workspace,
    apply_for_repair,
    audit_entries,
    connect,
    decide_objection,
    decide_repair,
    file_objection,
    list_objections,
    load_regrades,
)

DAY = dt.date(2026, 10, 9)  # a Friday; Saturday 10 October 2026 is a make-up working day
GRADES = "ABCD"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workflows")
    made = generate_city(folder / "files", n_subjects=2500, seed=8, end=dt.date(2026, 9, 30))
    with Store(folder / "template.duckdb") as store:
        ingest_directory(store, made.out_dir)
    return folder


@pytest.fixture
def space(city, tmp_path):
    (tmp_path / "credit.duckdb").write_bytes((city / "template.duckdb").read_bytes())
    store = Store(tmp_path / "credit.duckdb")
    engine = connect(f"sqlite:///{tmp_path / 'workflow.db'}")
    yield Workspace(engine, store, Grader.rules_only())
    store.close()


def _penalised(space, day=DAY):
    """Subjects whose top reason rests on a penalty, with that penalty's id."""
    rows = space.store.con.execute(
        "SELECT uscc FROM penalties GROUP BY uscc HAVING count(*) >= 2 ORDER BY uscc LIMIT 40"
    ).fetchall()
    for (uscc,) in rows:
        explanation = space.grader.explain(space.store, uscc, as_of=day)
        for reason in explanation.reasons:
            if reason.record_ids and reason.record_ids[0].startswith("CF"):
                yield uscc, reason, explanation


def test_an_objection_gets_its_deadlines_in_working_days(space):
    uscc, reason, _ = next(_penalised(space))
    objection = file_objection(space, uscc=uscc, table="penalties", record_id=reason.record_ids[0],
                               reason="不是本店", filed_by="agent", today=DAY)  # fmt: skip
    # Flag by Saturday 10 October (make-up day); decide by 10, 12, 13, 14, 15 October.
    assert (objection.flag_due, objection.decide_due) == (
        dt.date(2026, 10, 10),
        dt.date(2026, 10, 15),
    )
    assert [o.id for o in list_objections(space.engine, overdue_on=dt.date(2026, 10, 19))] == [
        objection.id
    ]
    events = space.store.con.execute(
        "SELECT event_type FROM record_events WHERE record_id = ? AND _source = 'workflow'",
        [reason.record_ids[0]],
    ).fetchall()
    assert events == [("objection_filed",)]


def test_an_upheld_objection_removes_the_reason_and_never_worsens_the_grade(space):
    tried = 0
    for uscc, reason, before in list(_penalised(space))[:5]:
        record_id = reason.record_ids[0]
        objection = file_objection(space, uscc=uscc, table="penalties", record_id=record_id,
                                   reason="处罚对象错误", filed_by="agent", today=DAY)  # fmt: skip
        decided, regraded = decide_objection(
            space, objection.id, upheld=True, reviewer="reviewer", note="核实为误录", today=DAY
        )
        after = space.grader.explain(space.store, uscc, as_of=DAY)
        assert all(record_id not in r.record_ids for r in after.reasons + after.overrides)
        assert GRADES.index(after.grade) <= GRADES.index(before.grade)
        assert (decided.grade_before, decided.grade_after) == (before.grade, after.grade)
        # The decision's one re-grade is saved for the HTTP service to serve at once.
        assert regraded.explanation["grade"] == after.grade
        assert load_regrades(space.engine)[-1].uscc == uscc
        tried += 1
    assert tried == 5
    with pytest.raises(AlreadyDecided):
        decide_objection(space, objection.id, upheld=False, reviewer="r", note="", today=DAY)


def test_an_ineligible_repair_is_refused_naming_the_failing_checks(space):
    penalty = space.store.con.execute(
        "SELECT uscc, record_id FROM penalties WHERE fine_amount > 0 ORDER BY decision_date DESC "
        "LIMIT 1"
    ).fetchone()
    application = apply_for_repair(space, uscc=penalty[0], table="penalties", record_id=penalty[1],
                                   applicant="shop", fine_paid=False, behaviour_corrected=True,
                                   commitment_signed=True, today=DAY)  # fmt: skip
    assert application.status == "ineligible"
    assert set(application.failed_checks.split(";")) == {"MIN_PERIOD_NOT_SERVED", "FINE_UNPAID"}


def test_an_approved_repair_never_worsens_the_grade(space):
    approved = 0
    for uscc, reason, before in list(_penalised(space))[:8]:
        record = space.record(uscc, "penalties", reason.record_ids[0])
        application = apply_for_repair(space, uscc=uscc, table="penalties",
                                       record_id=record["record_id"], applicant="shop",
                                       fine_paid=True, behaviour_corrected=True,
                                       commitment_signed=True, today=DAY)  # fmt: skip
        if application.status != "pending":
            continue  # still inside its minimum period: refused, as the previous test shows
        decided, _ = decide_repair(space, application.id, approve=True, reviewer="reviewer",
                                   note="同意修复", today=DAY)  # fmt: skip
        assert GRADES.index(decided.grade_after) <= GRADES.index(before.grade)
        approved += 1
    assert approved >= 1


def test_the_audit_log_records_every_change_and_cannot_be_rewritten(space):
    uscc, reason, _ = next(_penalised(space))
    objection = file_objection(space, uscc=uscc, table="penalties", record_id=reason.record_ids[0],
                               reason="x", filed_by="agent", today=DAY)  # fmt: skip
    decide_objection(space, objection.id, upheld=False, reviewer="reviewer", note="事实清楚",
                     today=DAY)  # fmt: skip
    entries = audit_entries(space.engine, uscc)
    assert [e["action"] for e in entries] == ["objection_filed", "regrade_saved",
                                              "objection_rejected"]  # fmt: skip
    assert entries[2]["before"]["status"] == "pending" and entries[2]["actor"] == "reviewer"
    with space.engine.begin() as connection, pytest.raises(sqlalchemy.exc.DatabaseError):
        connection.execute(sqlalchemy.text("UPDATE audit_log SET actor = 'someone else'"))
    with space.engine.begin() as connection, pytest.raises(sqlalchemy.exc.DatabaseError):
        connection.execute(sqlalchemy.text("DELETE FROM audit_log"))
    assert len(audit_entries(space.engine, uscc)) == 3


def test_a_workflow_database_from_before_gets_the_new_columns_and_keeps_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = sqlalchemy.create_engine(url)
    with old.begin() as connection:  # the objections table as issue 7 created it
        connection.execute(sqlalchemy.text(
            "CREATE TABLE objections (id INTEGER PRIMARY KEY, uscc VARCHAR(18), record_table "
            "VARCHAR(32), record_id VARCHAR(64), reason TEXT, filed_by VARCHAR(128), filed_on "
            "DATE, flag_due DATE, decide_due DATE, status VARCHAR(16), decided_by VARCHAR(128), "
            "decided_on DATE, decision_note TEXT, grade_before VARCHAR(1), grade_after VARCHAR(1))"
        ))  # fmt: skip
        connection.execute(sqlalchemy.text(
            "INSERT INTO objections (id, uscc, status, grade_before) "
            "VALUES (1, 'X', 'pending', 'D')"
        ))  # fmt: skip
    old.dispose()
    engine = connect(url)
    columns = {c["name"] for c in sqlalchemy.inspect(engine).get_columns("objections")}
    assert {"before_as_of", "before_scorer", "after_as_of", "after_scorer"} <= columns
    with engine.connect() as connection:
        row = connection.execute(sqlalchemy.text("SELECT grade_before FROM objections")).one()
    assert row == ("D",)


def test_an_identical_pending_objection_is_refused_naming_the_first(space):
    uscc, reason, _ = next(_penalised(space))
    filing = {"uscc": uscc, "table": "penalties", "record_id": reason.record_ids[0],
              "reason": "不是本店", "filed_by": "agent", "today": DAY}  # fmt: skip
    first = file_objection(space, **filing)
    with pytest.raises(Conflict, match=f"objection {first.id}"):
        file_objection(space, **filing)
    other = file_objection(space, **{**filing, "reason": "金额有误"})  # another reason is heard
    assert other.id != first.id
