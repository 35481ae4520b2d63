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


def test_plans_drawn_before_version_5_get_addresses_domains_and_inspector_names(
    tmp_path, monkeypatch
):
    path = tmp_path / "credit.duckdb"
    with monkeypatch.context() as patched:  # a store as version 4 left it, with one plan
        patched.setattr(store_module, "_MIGRATIONS", store_module._MIGRATIONS[:4])
        patched.setattr(store_module, "SCHEMA_VERSION", 4)
        with Store(path) as store:
            store.con.execute(
                "INSERT INTO subjects (uscc, name, address, domains) VALUES "
                "('91330200MA2AAAAA0X', '甲餐馆', '宁波市海曙区某路1号', "
                "['street_shop', 'catering'])"
            )
            store.con.execute(
                "INSERT INTO plan_items (plan_id, uscc, inspectors) VALUES "
                "('P1', '91330200MA2AAAAA0X', 'ZF2;ZF1'), ('P1', '91330200MA2BBBBB0X', NULL)"
            )
            store.con.execute(
                "INSERT INTO plan_inspectors (plan_id, inspector_id, name) VALUES "
                "('P1', 'ZF1', '张三'), ('P1', 'ZF2', '李四'), ('P2', 'ZF1', '王五')"
            )
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        rows = store.con.execute(
            "SELECT uscc, address, domains, due_by, inspector_names FROM plan_items ORDER BY uscc"
        ).fetchall()
    assert rows == [
        ("91330200MA2AAAAA0X", "宁波市海曙区某路1号", "street_shop;catering", None, "李四;张三"),
        ("91330200MA2BBBBB0X", None, None, None, None),
    ]
