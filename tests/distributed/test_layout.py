"""A sharded store: split from one store or ingested file by file, every subject and its
records in the shard its USCC hashes to, nothing lost, nothing counted twice (issue 17)."""

import duckdb
import pytest

from credit_scoring.distributed.ingest import ingest_sharded
from credit_scoring.distributed.layout import SUBJECT_TABLES, ShardLayout, split_store
from credit_scoring.distributed.store import open_store
from credit_scoring.errors import InvalidInput, StoreNotFound
from credit_scoring.records.contract import TABLES
from credit_scoring.records.ingestion import INGEST_ORDER
from credit_scoring.records.store import Store
from credit_scoring.sharding import shard_of, shard_sql, shards_of


def _count(path, table):
    with Store(path, read_only=True) as store:
        return store.count(table)


def test_the_shard_is_the_same_in_python_and_in_sql():
    usccs = ["91350200776049653A", "92110105MA00ABCD1X", "", "x" * 18]
    with duckdb.connect() as con:
        in_sql = [con.execute(f"SELECT {shard_sql('?', 7)}", [u]).fetchone()[0] for u in usccs]
    assert in_sql == [shard_of(u, 7) for u in usccs] == shards_of(usccs, 7).tolist()


def test_a_split_puts_every_subject_and_record_in_its_own_shard_once(city_db, sharded):
    layout = ShardLayout.open(sharded[4])
    for table in SUBJECT_TABLES:
        assert sum(_count(p, table) for p in layout.paths) == _count(city_db, table), table
    for k, path in enumerate(layout.paths):
        with Store(path, read_only=True) as store:
            usccs = [u for (u,) in store.con.execute("SELECT uscc FROM penalties").fetchall()]
            assert usccs and {shard_of(u, 4) for u in usccs} == {k}
            # Each event is beside its record (none of this city's is about an unknown one).
            orphans = store.con.execute(
                """SELECT count(*) FROM record_events e WHERE NOT EXISTS (
                   SELECT 1 FROM penalties p WHERE e."table" = 'penalties'
                   AND p.record_id = e.record_id) AND e."table" = 'penalties'"""
            ).fetchone()[0]
            assert orphans == 0
        assert _count(path, "inspectors") == _count(city_db, "inspectors")
    assert sum(_count(p, "record_events") for p in layout.paths) == _count(city_db, "record_events")
    # The ingest log before the split, once: in shard 0.
    assert _count(layout.paths[0], "ingest_issues") == _count(city_db, "ingest_issues") > 0
    assert sum(_count(p, "ingest_issues") for p in layout.paths[1:]) == 0


def test_the_shards_read_as_one_store_are_the_store(city_db, sharded):
    with open_store(sharded[3], read_only=True) as whole:
        for table in (*TABLES, "ingest_runs", "ingest_issues"):
            assert whole.count(table) == _count(city_db, table), table


def test_a_sharded_store_refuses_what_is_not_one(city_db, tmp_path):
    with pytest.raises(StoreNotFound, match="not a sharded store"):
        ShardLayout.open(tmp_path)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(InvalidInput, match="not empty"):
        split_store(city_db, 2, tmp_path / "full")
    with pytest.raises(InvalidInput, match="at least 1"):
        ShardLayout.create(tmp_path / "none", 0)


def test_ingesting_into_shards_keeps_what_one_store_keeps(city_db, dask_engine, tmp_path):
    """The same city ingested file by file into 3 shards, the shards' ingests on the Dask
    workers: the same records, and the same rows rejected and flagged, named by their row in
    the file."""
    with Store(city_db, read_only=True) as store:
        files = store.con.execute("SELECT table_name, file FROM ingest_runs").fetchall()
        single = store.con.execute(
            "SELECT table_name, row_number, reason_code FROM ingest_issues"
        ).fetchall()
    layout = ShardLayout.create(tmp_path / "shards", 3)
    by_table = dict(files)
    for name in INGEST_ORDER:
        if name in by_table:
            ingest_sharded(layout.directory, name, by_table[name], engine=dask_engine)
    with open_store(layout.directory, read_only=True) as whole:
        for table in TABLES:
            if table == "inspectors":
                continue  # in every shard; the view reads shard 0's
            assert whole.count(table) == _count(city_db, table), table
        issues = whole.con.execute(
            "SELECT table_name, row_number, reason_code FROM ingest_issues "
            "WHERE table_name <> 'inspectors'"
        ).fetchall()
    assert sorted(issues) == sorted(i for i in single if i[0] != "inspectors")
    for path in layout.paths:
        assert _count(path, "inspectors") == _count(city_db, "inspectors")
