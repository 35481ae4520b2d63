"""The audit log is hash-chained: any edit, insertion, replacement or deletion made around the
library — even with the triggers dropped — and any later edit of a decided case is found."""

import json
import shutil
import threading
from types import SimpleNamespace

import pytest
import sqlalchemy
from sqlalchemy import select
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.grading import Grader
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.workflows import Workspace, connect, decide_objection, file_objection
from credit_scoring.workflows.audit import record_access
from credit_scoring.workflows.chain import entry_sha256, verify_chain
from credit_scoring.workflows.database import AuditEntry
from credit_scoring.workflows.keys import create_key, revoke_key
from credit_scoring.workflows.privileges import lock_down, log_privileges
from tests.conftest import SHOP, TODAY, tiny_city, write_table

runner = CliRunner()
LOG = AuditEntry.__table__


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The tiny city's store, ingested once; each test decides on a copy."""
    folder = tmp_path_factory.mktemp("chain-city")
    for name, rows in tiny_city().items():
        write_table(rows, folder / f"{name}.csv")
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, folder, today=TODAY)
    return folder / "credit.duckdb"


@pytest.fixture
def decided(template, tmp_path, workflow_url):
    """A key created and revoked, an objection filed and rejected (the re-grade its decision
    saved chained before it), two readings: seven chained entries."""
    shutil.copyfile(template, tmp_path / "credit.duckdb")
    engine = connect(workflow_url)
    info, _ = create_key(engine, name="clerk", role="reviewer", actor="admin")
    revoke_key(engine, info.key_id, actor="admin")
    with Store(tmp_path / "credit.duckdb") as store:
        space = Workspace(engine, store, Grader.rules_only())
        objection = file_objection(space, uscc=SHOP, table="penalties", record_id="CF1",
                                   reason="不是本店", filed_by="shop", today=TODAY)  # fmt: skip
        decide_objection(space, objection.id, upheld=False, reviewer="reviewer", note="事实清楚",
                         today=TODAY)  # fmt: skip
    record_access(engine, actor="reviewer", action="records_read", uscc=SHOP)
    record_access(engine, actor="reviewer", action="records_read", uscc=SHOP)
    yield engine, objection.id
    engine.dispose()


def _around_the_triggers(engine, *statements):
    """What someone who can drop the triggers (a SQLite file's owner, a table's owner) can do."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for name in ("no_update", "no_delete", "no_replace"):
                connection.execute(sqlalchemy.text(f"DROP TRIGGER IF EXISTS audit_log_{name}"))
        else:
            connection.execute(sqlalchemy.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for statement in statements:
            connection.execute(sqlalchemy.text(statement))


def test_an_untouched_log_verifies_and_names_its_head(decided):
    engine, _ = decided
    report = verify_chain(engine)
    assert report.ok, report.problems
    assert (report.entries, report.head_id, report.rows) == (7, 7, 3)  # key, objection, regrade
    url = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["audit", "verify", "--workflow-db", url, "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["head_sha256"] == report.head_sha256


def test_an_edited_entry_is_found_even_with_the_triggers_dropped(decided):
    engine, _ = decided
    _around_the_triggers(engine, "UPDATE audit_log SET actor = 'someone else' WHERE id = 4")
    assert verify_chain(engine).problems == [
        "entry 4: changed after it was written (its hash no longer matches its content)"
    ]


def test_insert_or_replace_is_refused_and_a_replaced_entry_is_found(decided):
    engine, _ = decided
    forged = ("INSERT OR REPLACE INTO audit_log (id, at, actor, action, uscc, target) "
              "VALUES (3, '2026-11-29', 'someone', 'objection_filed', NULL, 'x')")  # fmt: skip
    if engine.dialect.name == "postgresql":
        forged = ("INSERT INTO audit_log (id, at, actor, action, target) VALUES "
                  "(3, '2026-11-29', 'someone', 'objection_filed', 'x') ON CONFLICT (id) DO "
                  "UPDATE SET actor = excluded.actor, entry_sha256 = NULL")  # fmt: skip
    with engine.begin() as connection, pytest.raises(sqlalchemy.exc.DatabaseError):
        connection.execute(sqlalchemy.text(forged))
    assert verify_chain(engine).ok
    _around_the_triggers(engine, forged)
    problems = verify_chain(engine).problems
    assert problems[0] == "entry 3: not chained; it was inserted or replaced outside the library"
    assert any(p.startswith("entry 4: does not follow entry 2") for p in problems)


def test_a_removed_entry_is_found_in_the_middle_and_at_the_end(decided):
    engine, _ = decided
    _around_the_triggers(engine, "DELETE FROM audit_log WHERE id = 2")
    problems = verify_chain(engine).problems
    assert any(p.startswith("entry 3: does not follow entry 1") for p in problems)
    _around_the_triggers(engine, "DELETE FROM audit_log WHERE id = 7")
    assert any("its head records entry 7" in p for p in verify_chain(engine).problems)


def test_an_entry_added_around_the_library_is_found(decided):
    engine, _ = decided
    with engine.connect() as connection:  # a well-formed entry, hashed after the last one
        last = connection.execute(select(LOG).where(LOG.c.id == 7)).one()
    forged = last._asdict() | {"id": 8, "actor": "ghost", "prev_sha256": last.entry_sha256}
    forged["entry_sha256"] = entry_sha256(last.entry_sha256, SimpleNamespace(**forged))
    with engine.begin() as connection:
        connection.execute(LOG.insert(), forged)
    assert any("its head records entry 7" in p for p in verify_chain(engine).problems)


def test_a_deleted_head_is_found_then_rebuilt_on_record_and_warned_of_ever_after(decided):
    engine, _ = decided
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM audit_chain_head"))
    assert verify_chain(engine).problems == ["the chain's head row is missing (deleted)"]
    record_access(engine, actor="reviewer", action="records_read", uscc=SHOP)
    report = verify_chain(engine)
    assert report.ok and report.entries == 9  # the rebuild's own entry, then the reading
    assert report.warnings[0].startswith("entry 8: the chain's head row was found deleted")


def test_a_decision_edited_afterwards_is_found(decided):
    engine, objection_id = decided
    with engine.begin() as connection:  # no trigger guards the cases: the chain does
        connection.execute(sqlalchemy.text(
            "UPDATE objections SET status = 'upheld', decided_by = 'forged'"))  # fmt: skip
    assert verify_chain(engine).problems == [
        f"objection:{objection_id}: changed since entry 5 recorded it (status, reviewer or "
        "another field edited outside the library)"
    ]


def test_a_key_written_around_the_library_is_found(decided):
    engine, _ = decided
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(
            "INSERT INTO api_keys (key_id, name, role, salt, secret_sha256, created_at) "
            "VALUES ('beefbeef', 'me', 'admin', 's', 'h', '2026-11-29')"))  # fmt: skip
    assert verify_chain(engine).problems == [
        "key:beefbeef: no audit entry records it; it was written outside the library"
    ]


def test_a_chain_rewritten_from_its_start_is_found_against_a_head_recorded_before(decided):
    engine, _ = decided
    recorded = verify_chain(engine).head_sha256
    with engine.connect() as connection:
        rows = [r._asdict() for r in connection.execute(
            select(LOG).order_by(LOG.c.id))]  # fmt: skip
    rows[0]["actor"], prev, statements = "nobody", "0" * 64, []
    for row in rows:  # every hash recomputed, as someone who read chain.py could
        row["prev_sha256"], row["entry_sha256"] = prev, entry_sha256(prev, SimpleNamespace(**row))
        prev = row["entry_sha256"]
        statements.append(f"UPDATE audit_log SET actor = '{row['actor']}', prev_sha256 = "
                          f"'{row['prev_sha256']}', entry_sha256 = '{prev}' "
                          f"WHERE id = {row['id']}")  # fmt: skip
    _around_the_triggers(engine, *statements,
                         f"UPDATE audit_chain_head SET last_sha256 = '{prev}'")  # fmt: skip
    assert verify_chain(engine).ok  # the one thing a chain alone cannot show
    assert verify_chain(engine, through=recorded).problems == [
        f"the chain no longer passes through {recorded[:16]}…, recorded earlier: it was "
        "rewritten since"
    ]


OLD_LOG = """CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TIMESTAMP, actor VARCHAR(128),
    action VARCHAR(64), uscc VARCHAR(18), target VARCHAR(64), before TEXT, after TEXT)"""
OLD_OBJECTIONS = """CREATE TABLE objections (id INTEGER PRIMARY KEY, uscc VARCHAR(18),
    record_table VARCHAR(32), record_id VARCHAR(64), reason TEXT, filed_by VARCHAR(128),
    filed_on DATE, flag_due DATE, decide_due DATE, status VARCHAR(16), decided_by VARCHAR(128))"""


def test_a_database_from_before_the_chain_is_sealed_once_and_edits_to_it_found(workflow_url):
    old = sqlalchemy.create_engine(workflow_url)
    with old.begin() as connection:  # the audit log and a decided objection as issue 18 left them
        connection.execute(sqlalchemy.text(OLD_LOG))
        for i in (1, 2, 5):  # PostgreSQL's sequences leave gaps
            connection.execute(
                sqlalchemy.text(
                    f"INSERT INTO audit_log VALUES ({i}, '2026-0{i}-01 10:00:00.25', 'reviewer', "
                    f"'objection_filed', '{SHOP}', 'objection:1', NULL, '{{}}')"
                )
            )
        connection.execute(sqlalchemy.text(OLD_OBJECTIONS))
        connection.execute(
            sqlalchemy.text(
                f"INSERT INTO objections (id, uscc, status, decided_by) VALUES (1, '{SHOP}', "
                "'rejected', 'reviewer')"
            )
        )
    old.dispose()
    engine = connect(workflow_url)
    connect(workflow_url).dispose()  # a second start changes nothing
    report = verify_chain(engine)
    assert report.ok, report.problems
    assert (report.entries, report.sealed_entries, report.head_id) == (5, 3, 7)
    query = "SELECT actor, action, target FROM audit_log WHERE id > 5 ORDER BY id"
    with engine.connect() as connection:
        added = connection.execute(sqlalchemy.text(query)).all()
    assert added == [
        ("system:upgrade", "audit_chain_started", "audit_log"),
        ("system:upgrade", "audit_state_sealed", "objection:1"),
    ]
    record_access(engine, actor="reviewer", action="records_read", uscc=SHOP)
    _around_the_triggers(engine, "UPDATE audit_log SET actor = 'someone' WHERE id = 2")
    problem = verify_chain(engine).problems[0]
    assert problem.startswith("entry 6 (audit_chain_started): the entries it sealed when the chain")
    engine.dispose()


def test_two_workers_appending_at_once_keep_one_chain(workflow_url):
    engines = [connect(workflow_url), connect(workflow_url)]  # two workers, two pools

    def work(engine, name):
        for _ in range(15):
            record_access(engine, actor=name, action="records_read", uscc=SHOP)

    workers = [threading.Thread(target=work, args=(e, f"w{i}")) for i, e in enumerate(engines)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    report = verify_chain(engines[0])
    assert report.ok, report.problems
    assert (report.entries, report.head_id) == (30, 30)
    for engine in engines:
        engine.dispose()


def test_on_postgresql_the_service_role_can_append_but_never_rewrite_the_log(workflow_url):
    if not workflow_url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's; a SQLite file has its file permissions")
    engine = connect(workflow_url)
    record_access(engine, actor="reviewer", action="records_read", uscc=SHOP)
    refused = pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only")
    with engine.begin() as connection, refused:
        connection.execute(sqlalchemy.text("TRUNCATE audit_log"))  # row triggers miss it
    with engine.connect() as connection:
        role = connection.scalar(sqlalchemy.text("SELECT current_user"))
    # CI's one role owns the tables; the service's would not (README), but the rights are the same.
    held = lock_down(engine, role)
    assert held == {"UPDATE": False, "DELETE": False, "TRUNCATE": False, "owner": True}
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log"):  # fmt: skip
        with engine.begin() as connection, pytest.raises(sqlalchemy.exc.ProgrammingError,
                                                         match="permission denied"):  # fmt: skip
            connection.execute(sqlalchemy.text(statement))
    record_access(engine, actor="reviewer", action="records_read", uscc=SHOP)
    report = verify_chain(engine)
    assert report.ok and report.entries == 2
    assert report.warnings == [f"role {role} owns the audit log, so it can drop its triggers: "
                               "run the service as a role that does not"]  # fmt: skip
    with engine.connect() as connection:
        assert log_privileges(connection, role)["UPDATE"] is False
    engine.dispose()


def test_audit_verify_names_each_problem_and_exits_1(decided):
    engine, _ = decided
    _around_the_triggers(engine, "DELETE FROM audit_log WHERE id = 3")
    url = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["audit", "verify", "--workflow-db", url])
    assert result.exit_code == 1
    assert "entry 4: does not follow entry 2" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: the audit log: 2 problem(s)")
