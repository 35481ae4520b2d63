"""The audit chain vouches for every workflow table, not only objections, repairs and keys:
listing cases, sanction tasks, interviews, commitment verifications, re-grades and issued
reports. Each row is hashed by the entry that wrote it, so a row edited, deleted or added around
the library is named by its target; a database whose chain started before these tables were
sealed has their rows sealed once on connecting."""

from __future__ import annotations

import collections
import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import credit_scoring.workflows.audit as audit_module
from credit_scoring.backup.copies import load_workflow
from credit_scoring.grading import GradeInForce, Grader
from credit_scoring.measures import credit_check
from credit_scoring.policies import load_measures
from credit_scoring.records.store import Store
from credit_scoring.reports.issuing import register_report
from credit_scoring.workflows import Workspace, connect
from credit_scoring.workflows import chain as chain_module
from credit_scoring.workflows.chain import FIRST_SEALED, SEALED, start_chain, verify_chain
from credit_scoring.workflows.commitments import verify_commitment
from credit_scoring.workflows.database import AuditEntry, Base, IssuedReport
from credit_scoring.workflows.interviews import (
    record_interview,
    record_rectification,
    schedule_interview,
)
from credit_scoring.workflows.listing import (
    decide_listing,
    decide_notice_objection,
    object_to_notice,
    serve_notice,
    sweep_exits,
)
from credit_scoring.workflows.sanctions import issue_check_tasks, respond
from tests.workflows.closed_loop_city import SHOP, STALL, TODAY, build_store

GRADED_B = GradeInForce("B", dt.date(2026, 9, 30), "rules test")
GRADED_D = GradeInForce("D", dt.date(2026, 9, 30), "rules test")
MEET = dt.date(2026, 10, 12)  # the Monday after TODAY
TERM_OVER = dt.date(2027, 11, 1)  # SHOP's year on the key-attention list has ended
LIST_ENTRY = {"record_table": "list_entries", "record_id": "LIST-000001", "kind": "black",
              "title": "一年内两次严重失信行政处罚", "decision_no": None, "authority": "执法局",
              "start": dt.date(2026, 9, 1), "until": None, "withdrawn_on": None,
              "public": True}  # fmt: skip
NEW_TABLES = ("listing_cases", "sanction_tasks", "warning_interviews",
              "commitment_verifications", "regrades", "issued_reports")  # fmt: skip
CHANGED = "(status, reviewer or another field edited outside the library)"


@dataclass(frozen=True)
class Kind:
    """A newly sealed table: what its audit entries name a row, an edit an outside writer might
    make, and the keys a forged copy of a row gets."""

    table: str
    target: Callable[[Mapping[str, Any]], str]
    edit: str
    forged_keys: dict[str, Any]


KINDS = {
    "listing": Kind("listing_cases", lambda r: f"listing:{r['id']}", "status = 'withdrawn'",
                    {"id": 901}),
    "sanction": Kind("sanction_tasks", lambda r: f"sanction:{r['id']}", "status = 'applied'",
                     {"id": 902}),
    "interview": Kind("warning_interviews", lambda r: f"interview:{r['id']}", "status = 'held'",
                      {"id": 903}),
    "commitment": Kind("commitment_verifications", lambda r: f"commitment:{r['record_id']}",
                       "outcome = 'fulfilled'", {"id": 904, "record_id": "CN_FORGED"}),
    "regrade": Kind("regrades", lambda r: f"regrade:{r['id']}", "explanation = '{}'",
                    {"id": 905}),
    "report": Kind("issued_reports", lambda r: r["report_no"], f"sha256 = '{'f' * 64}'",
                   {"report_no": "XY20261009-F0F0F0F0"}),
}  # fmt: skip


def _listing(space):
    """SHOP's breach puts it on the key-attention list: noticed, objected, the objection
    rejected, confirmed (a re-grade, tasks) and, its term over, exited (another re-grade)."""
    case = serve_notice(space, uscc=SHOP, list_type="key_attention", actor="执法局", today=TODAY)
    object_to_notice(space.engine, case.id, reason="已整改", filed_by="甲便利店", today=TODAY)
    decide_notice_objection(space.engine, case.id, upheld=False, reviewer="审核员",
                            note="违约属实", today=TODAY)  # fmt: skip
    decide_listing(space, case.id, confirm=True, actor="执法局", today=TODAY)
    assert [c.status for c, _ in sweep_exits(space, today=TERM_OVER)] == ["exited"]


def _interview(space):
    scheduled = schedule_interview(space, uscc=STALL, interview_type="warning",
                                   meet_on=MEET, scheduled_by="科员甲", today=TODAY,
                                   in_force=GRADED_D)  # fmt: skip
    record_interview(space, scheduled.id, held_on=MEET, rectification="清理店外堆放物品",
                     interviewers="执法人员甲", recorded_by="科员甲", today=MEET)  # fmt: skip
    record_rectification(space, scheduled.id, rectified_on=dt.date(2026, 11, 2),
                         recorded_by="科员甲", today=dt.date(2026, 11, 2))  # fmt: skip


def _tasks_and_report(engine):
    """Two tasks issued at once, one of them answered, and a report registered."""
    check = credit_check(load_measures(), [LIST_ENTRY], "honours", TODAY, GRADED_D)
    answered, _ = issue_check_tasks(engine, check, uscc=SHOP, actor="信用办", today=TODAY)
    respond(engine, answered.id, action="acknowledge", actor="文明办", today=TODAY)
    register_report(engine, IssuedReport(
        report_no="XY20261009-0A1B2C3D", uscc=SHOP, audience="official", file_format="pdf",
        issued_at=dt.datetime(2026, 10, 9, 9, 30), report_date=TODAY,
        valid_until=dt.date(2026, 11, 8), grade="B", sha256="a" * 64, issued_by="regulator",
    ))  # fmt: skip


def _every_workflow(tmp_path, url):
    """A workflow database in which every newly sealed workflow has written its rows."""
    engine = connect(url)
    with Store(build_store(tmp_path)) as store:
        space = Workspace(engine, store, Grader.rules_only())
        verify_commitment(space, "CN_DUE", outcome="breached", actor="核查员", today=TODAY,
                          in_force=GRADED_B)  # fmt: skip
        _listing(space)
        _interview(space)
    _tasks_and_report(engine)
    return engine


@pytest.fixture
def every_workflow(tmp_path, workflow_url):
    engine = _every_workflow(tmp_path, workflow_url)
    yield engine
    engine.dispose()


@pytest.fixture
def old_code(monkeypatch):
    """The library as it was: the chain sealing the first three tables only, and the entries of
    the other workflows hashing no row."""
    monkeypatch.setattr(chain_module, "SEALED", {n: SEALED[n] for n in FIRST_SEALED})
    append = audit_module.append

    def append_without_new_rows(session, entry, row=None):
        old = row is not None and sqlalchemy.inspect(row).mapper.local_table.name in FIRST_SEALED
        append(session, entry, row if old else None)

    monkeypatch.setattr(audit_module, "append", append_without_new_rows)
    return monkeypatch


def _rows(engine, table):
    columns = Base.metadata.tables[table]
    with engine.connect() as connection:
        order = [*columns.primary_key.columns]
        return [dict(r) for r in connection.execute(select(columns).order_by(*order)).mappings()]


def _targets(engine, kind):
    return [kind.target(row) for row in _rows(engine, kind.table)]


def _last_entry(engine, target):
    """The newest entry that hashed the row ``target``."""
    query = select(func.max(AuditEntry.id)).where(AuditEntry.target == target,
                                                  AuditEntry.state_sha256.is_not(None))  # fmt: skip
    with engine.connect() as connection:
        return connection.scalar(query)


def _where(table, row):
    key = Base.metadata.tables[table].primary_key.columns
    return " AND ".join(f"{c.name} = '{row[c.name]}'" for c in key)


def _execute(engine, statement, **values):
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(statement), values)


def _sealed_entries(engine):
    query = select(AuditEntry.actor, AuditEntry.target).where(
        AuditEntry.action == "audit_state_sealed")  # fmt: skip
    with engine.connect() as connection:
        return collections.Counter(connection.execute(query).all())


def _head_sealed_tables(engine):
    with engine.connect() as connection:
        return connection.scalar(sqlalchemy.text("SELECT sealed_tables FROM audit_chain_head"))


def test_every_row_the_workflows_write_verifies_and_is_counted(every_workflow):
    report = verify_chain(every_workflow)
    assert report.ok, report.problems
    written = {kind: len(_rows(every_workflow, k.table)) for kind, k in KINDS.items()}
    # The listing's four tasks and the check's two, each issued with others at once; the
    # re-grades of the breach, the listing and the exit.
    assert written == {"listing": 1, "sanction": 6, "interview": 1, "commitment": 1,
                       "regrade": 3, "report": 1}  # fmt: skip
    assert report.rows == sum(len(_rows(every_workflow, table)) for table in SEALED)
    for kind in KINDS.values():  # each row's newest entry hashed it, in the library's own entry
        assert all(_last_entry(every_workflow, t) for t in _targets(every_workflow, kind)), kind
    assert _head_sealed_tables(every_workflow) == ";".join(sorted(SEALED))


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_edited_outside_the_library_is_named(every_workflow, kind):
    table = KINDS[kind].table
    row = _rows(every_workflow, table)[-1]  # of the tasks, one issued in bulk, never answered
    target = KINDS[kind].target(row)
    _execute(every_workflow, f"UPDATE {table} SET {KINDS[kind].edit} WHERE {_where(table, row)}")
    entry = _last_entry(every_workflow, target)
    assert verify_chain(every_workflow).problems == [
        f"{target}: changed since entry {entry} recorded it {CHANGED}"
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_deleted_outside_the_library_is_named(every_workflow, kind):
    table = KINDS[kind].table
    row = _rows(every_workflow, table)[-1]
    target = KINDS[kind].target(row)
    _execute(every_workflow, f"DELETE FROM {table} WHERE {_where(table, row)}")
    entry = _last_entry(every_workflow, target)
    assert verify_chain(every_workflow).problems == [
        f"{target}: recorded by entry {entry} but no longer in the database (deleted)"
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_inserted_outside_the_library_is_named(every_workflow, kind):
    table = Base.metadata.tables[KINDS[kind].table]
    forged = _rows(every_workflow, table.name)[-1] | KINDS[kind].forged_keys
    columns = ", ".join(forged)
    _execute(every_workflow, f"INSERT INTO {table.name} ({columns}) VALUES "
             f"({', '.join(f':{c}' for c in forged)})", **forged)  # fmt: skip
    assert verify_chain(every_workflow).problems == [
        f"{KINDS[kind].target(forged)}: no audit entry records it; it was written outside the "
        "library"
    ]


def test_a_database_whose_chain_started_before_seals_their_rows_once(
    tmp_path, workflow_url, old_code
):
    old = _every_workflow(tmp_path, workflow_url)
    # A head from before it named its sealed tables; connect adds the column back, empty.
    _execute(old, "ALTER TABLE audit_chain_head DROP COLUMN sealed_tables")
    unsealed = {t for k in KINDS.values() for t in _targets(old, k)}
    assert len(unsealed) == 13
    old.dispose()
    old_code.undo()
    engine = connect(workflow_url)
    connect(workflow_url).dispose()  # a second start seals nothing again
    assert _sealed_entries(engine) == {("system:upgrade", t): 1 for t in unsealed}
    assert _head_sealed_tables(engine) == ";".join(sorted(SEALED))
    report = verify_chain(engine)
    assert report.ok, report.problems
    assert report.rows == sum(len(_rows(engine, table)) for table in SEALED)
    # Sealed, the rows are vouched for like any other: an edit is named.
    case = _rows(engine, "listing_cases")[0]
    _execute(engine, f"UPDATE listing_cases SET exit_reason = 'forged' WHERE id = {case['id']}")
    sealed = _last_entry(engine, f"listing:{case['id']}")
    assert verify_chain(engine).problems == [
        f"listing:{case['id']}: changed since entry {sealed} recorded it {CHANGED}"
    ]
    engine.dispose()


def test_without_the_upgrade_their_rows_would_be_written_outside_the_library(
    workflow_url, old_code
):
    engine = connect(workflow_url)
    _tasks_and_report(engine)
    _execute(engine, "UPDATE audit_chain_head SET sealed_tables = NULL")
    old_code.undo()
    problems = verify_chain(engine).problems
    targets = [_targets(engine, KINDS[kind]) for kind in ("sanction", "report")]
    assert problems == [f"{t}: no audit entry records it; it was written outside the library"
                        for t in [*targets[0], *targets[1]]]  # fmt: skip
    start_chain(engine)
    assert verify_chain(engine).ok
    engine.dispose()


def test_two_workers_connecting_at_once_seal_each_row_once(workflow_url, old_code):
    engine = connect(workflow_url)
    _tasks_and_report(engine)
    _execute(engine, "UPDATE audit_chain_head SET sealed_tables = NULL")
    old_code.undo()
    engines = [sqlalchemy.create_engine(workflow_url) for _ in range(2)]  # two pools
    workers = [threading.Thread(target=start_chain, args=(e,)) for e in engines]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rows = [*_targets(engine, KINDS["sanction"]), *_targets(engine, KINDS["report"])]
    assert _sealed_entries(engine) == {("system:upgrade", t): 1 for t in rows}
    assert verify_chain(engine).ok
    for each in (engine, *engines):
        each.dispose()


def test_a_head_made_to_forget_its_tables_does_not_launder_an_edit(workflow_url):
    """Resetting ``sealed_tables`` seals the rows again on the next connection: a row as its
    last entry recorded it passes; one edited in between is named, not vouched for."""
    engine = connect(workflow_url)
    _tasks_and_report(engine)
    rows = [*_targets(engine, KINDS["sanction"]), *_targets(engine, KINDS["report"])]
    edited = _rows(engine, "sanction_tasks")[1]["id"]
    second = f"sanction:{edited}"
    recorded = _last_entry(engine, second)
    _execute(engine, f"UPDATE sanction_tasks SET status = 'applied' WHERE id = {edited}")
    _execute(engine, "UPDATE audit_chain_head SET sealed_tables = NULL")
    connect(workflow_url).dispose()
    resealed = _last_entry(engine, second)
    # All three sealed again; the two unchanged since their last entry are no problem.
    assert _sealed_entries(engine) == {("system:upgrade", t): 1 for t in rows}
    assert verify_chain(engine).problems == [
        f"{second}: sealed again by entry {resealed} as changed since entry {recorded} recorded "
        "it (edited outside the library, then sealed on connecting)"
    ]
    engine.dispose()


def test_a_backup_from_before_restores_and_its_rows_are_sealed(tmp_path, old_code):
    dump = tmp_path / "workflow-dump.db"
    engine = connect(f"sqlite:///{dump}")
    _tasks_and_report(engine)
    _execute(engine, "ALTER TABLE audit_chain_head DROP COLUMN sealed_tables")
    engine.dispose()
    old_code.undo()
    url = f"sqlite:///{tmp_path / 'restored.db'}"
    load_workflow(dump, url)
    restored = connect(url)  # as restore_backup does before it verifies
    report = verify_chain(restored)
    assert report.ok, report.problems
    assert report.rows == 3 and len(_sealed_entries(restored)) == 3
    with Session(restored) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 7
    restored.dispose()
