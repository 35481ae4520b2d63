"""The store: created on first use, versioned, migrated forward, never downgraded."""

import duckdb
import pytest

from credit_scoring.errors import SchemaVersionError
from credit_scoring.records import store as store_module
from credit_scoring.records.contract import TABLES
from credit_scoring.records.store import SCHEMA_VERSION, Store


def test_a_new_store_has_every_table_and_its_history(tmp_path):
    with Store(tmp_path / "sub" / "credit.duckdb") as store:
        assert store.schema_version == SCHEMA_VERSION
        names = {row[0] for row in store.con.execute("SHOW TABLES").fetchall()}
    for table in TABLES:
        assert {table, f"{table}_history"} <= names
    assert {"ingest_runs", "ingest_issues", "schema_meta"} <= names


def test_reopening_does_not_migrate_again(tmp_path):
    path = tmp_path / "credit.duckdb"
    Store(path).close()
    with Store(path) as store:
        assert store.count("schema_meta") == SCHEMA_VERSION


def test_an_older_store_is_migrated_forward(tmp_path, monkeypatch):
    path = tmp_path / "credit.duckdb"
    Store(path).close()  # at the current version

    def add_column(con):
        con.execute("ALTER TABLE subjects ADD COLUMN website VARCHAR")

    monkeypatch.setattr(store_module, "_MIGRATIONS", (*store_module._MIGRATIONS, add_column))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION + 1
        columns = [row[0] for row in store.con.execute("DESCRIBE subjects").fetchall()]
    assert columns[-1] == "website"


def test_a_store_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "credit.duckdb"
    Store(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO schema_meta VALUES (?, now())", [SCHEMA_VERSION + 1])
    with pytest.raises(SchemaVersionError, match="is newer than this program"):
        Store(path)
