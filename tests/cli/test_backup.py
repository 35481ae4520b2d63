"""``backup`` copies the store, the workflow database, the snapshots and the registry with a
manifest of SHA-256s while the service may run; ``restore`` puts them into empty places, refuses a
damaged backup, and the restored copy grades, decides and audits exactly as the original."""

import datetime as dt
import json
import shutil

import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from credit_scoring.backup import read_backup, restore_backup
from credit_scoring.cli import app
from credit_scoring.errors import BackupDamaged, TargetNotEmpty
from credit_scoring.models import tracking
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings
from credit_scoring.synth import generate_city
from credit_scoring.workflows import audit_entries, connect
from credit_scoring.workflows.chain import verify_chain
from credit_scoring.workflows.database import ApiKey, Objection
from tests.workflows.conftest import workflow_url  # noqa: F401  (a fixture: SQLite, PostgreSQL)

runner = CliRunner()
AS_OF = "2026-09-30"


def _run(*args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An installation in use: a trained champion, a published snapshot, a decided objection,
    a key; and a backup of it."""
    root = tmp_path_factory.mktemp("backup") / "site"
    city = generate_city(root / "city", n_subjects=800, seed=6, end=dt.date(2026, 9, 30))
    with Store(root / "credit.duckdb") as store:
        ingest_directory(store, city.out_dir)
    where = {"db": str(root / "credit.duckdb"), "workflow": f"sqlite:///{root / 'workflow.db'}"}
    _run("train", "--as-of", AS_OF, "--db", where["db"], "--mlruns", str(root / "mlruns"),
         "--origins", "2")  # fmt: skip
    _run("publish", "--as-of", AS_OF, "--db", where["db"], "--snapshots", str(root / "snapshots"))
    with Store(root / "credit.duckdb", read_only=True) as store:
        uscc, record = store.con.execute(
            "SELECT uscc, record_id FROM penalties ORDER BY record_id LIMIT 1"
        ).fetchone()
    case = ["--db", where["db"], "--workflow-db", where["workflow"]]
    filed = _run("objection", "file", uscc, "penalties", record, "--reason", "不是本店",
                 "--filed-by", "shop", *case)  # fmt: skip
    _run("objection", "decide", str(filed[0]["id"]), "--upheld", "--reviewer", "r", *case)
    _run("keys", "create", "--name", "clerk", "--role", "reviewer", "--workflow-db",
         where["workflow"])  # fmt: skip
    backup = _run("backup", "--out", str(root.parent / "backup"), "--db", where["db"],
                  "--workflow-db", where["workflow"],
                  "--snapshots", str(root / "snapshots"))  # fmt: skip
    return root, backup


def _grades(db, out):
    _run("grade", "--as-of", AS_OF, "--db", str(db), "--out", str(out))
    return pd.read_csv(out)


def _state(url):
    engine = connect(url)
    try:
        entries = audit_entries(engine)
        with engine.connect() as connection:
            cases = connection.execute(select(Objection.__table__)).all()
            keys = connection.execute(select(ApiKey.__table__)).all()
        return entries, cases, keys, verify_chain(engine)
    finally:
        engine.dispose()


def test_the_backup_names_every_part_and_its_chain_head(site):
    root, backup = site
    assert backup["sources"]["registry"] == str((root / "mlruns").resolve())
    assert backup["current_snapshot"] and backup["audit"]["problems"] == 0
    manifest = read_backup(root.parent / "backup")
    assert {name.split("/")[0] for name in manifest.files} == {
        "store", "workflow", "snapshots", "registry"}  # fmt: skip
    assert manifest.audit.head_sha256 == _state(f"sqlite:///{root / 'workflow.db'}")[3].head_sha256


def test_a_restore_into_a_fresh_folder_grades_decides_and_audits_the_same(
    site, tmp_path, monkeypatch
):
    root, _ = site
    before = _grades(root / "credit.duckdb", tmp_path / "before.csv")
    assert (before["source"] == "gbm").all()  # the champion decides, from the registry
    monkeypatch.setattr(tracking, "_LOADED", {})  # loaded again, from the restored artifacts
    original = _state(f"sqlite:///{root / 'workflow.db'}")
    fresh = tmp_path / "fresh"
    url = f"sqlite:///{fresh / 'workflow.db'}"
    done = _run("restore", str(root.parent / "backup"), "--db", str(fresh / "credit.duckdb"),
                "--workflow-db", url, "--snapshots", str(fresh / "snapshots"),
                "--mlruns", str(fresh / "mlruns"))  # fmt: skip
    assert done["store_ok"] and done["audit"]["ok"]
    away = root.with_name("site-away")
    root.rename(away)  # nothing of the original may be needed any more
    try:
        after = _grades(fresh / "credit.duckdb", tmp_path / "after.csv")
        restored = _state(url)
        listed = _run("snapshots", "list", "--snapshots", str(fresh / "snapshots"))
    finally:
        away.rename(root)
    pd.testing.assert_frame_equal(before, after)
    assert restored[:3] == original[:3]  # audit entries, decided objection, keys
    assert restored[3].ok and restored[3].head_sha256 == original[3].head_sha256
    assert [s["current"] for s in listed] == [True]


def test_a_damaged_backup_is_refused_before_anything_is_written(site, tmp_path):
    root, _ = site
    copy = shutil.copytree(root.parent / "backup", tmp_path / "backup")
    table = next((copy / "snapshots").rglob("grades.arrow"))
    table.write_bytes(table.read_bytes()[:-1] + b"\0")
    fresh = tmp_path / "fresh"
    config = Settings(db_path=fresh / "credit.duckdb", workflow_db_url=f"sqlite:///{fresh}/w.db",
                      snapshot_dir=fresh / "snapshots", mlruns=fresh / "mlruns")  # fmt: skip
    with pytest.raises(BackupDamaged, match=r"grades\.arrow does not match its SHA-256"):
        restore_backup(copy, config)
    (copy / "manifest.json").unlink()
    with pytest.raises(BackupDamaged, match=r"no manifest\.json; not a finished backup"):
        restore_backup(copy, config)
    assert not fresh.exists()


def test_a_restore_never_writes_over_what_is_there(site, tmp_path):
    root, _ = site
    config = Settings(db_path=root / "credit.duckdb",
                      workflow_db_url=f"sqlite:///{root}/workflow.db",
                      snapshot_dir=root / "snapshots", mlruns=root / "mlruns")  # fmt: skip
    with pytest.raises(TargetNotEmpty) as refused:
        restore_backup(root.parent / "backup", config)
    for taken in ("credit.duckdb exists", "holds", "snapshots is not empty", "mlruns is not empty"):
        assert taken in str(refused.value)
    result = runner.invoke(app, ["backup", "--out", str(root)])  # not empty either
    assert result.exit_code == 1 and "not empty" in result.stderr


def test_a_backup_runs_beside_a_reader_and_waits_for_no_writer_past_its_limit(site, tmp_path):
    root, _ = site
    args = ["--db", str(root / "credit.duckdb"), "--workflow-db", f"sqlite:///{root}/workflow.db",
            "--snapshots", str(root / "snapshots")]  # fmt: skip
    with Store(root / "credit.duckdb", read_only=True):  # the service reading, as per request
        _run("backup", "--out", str(tmp_path / "beside-a-reader"), *args)
    with Store(root / "credit.duckdb"):  # an ingest holding the write lock
        result = runner.invoke(app, ["backup", "--out", str(tmp_path / "b"), "--wait", "0",
                                        *args])  # fmt: skip
    assert result.exit_code == 1 and "cannot be opened now" in result.stderr
    assert not (tmp_path / "b").exists() and not list(tmp_path.glob(".b.partial-*"))


def test_a_backup_restores_into_either_kind_of_workflow_database(
    site,
    tmp_path,
    workflow_url,  # noqa: F811
):
    root, _ = site
    fresh = tmp_path / "fresh"
    config = Settings(db_path=fresh / "credit.duckdb", workflow_db_url=workflow_url,
                      snapshot_dir=fresh / "snapshots", mlruns=fresh / "mlruns")  # fmt: skip
    done = restore_backup(root.parent / "backup", config)
    assert done.chain.ok and done.store.ok
    assert _state(workflow_url)[:3] == _state(f"sqlite:///{root / 'workflow.db'}")[:3]
