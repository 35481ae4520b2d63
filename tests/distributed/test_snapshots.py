"""A snapshot published by the dask engine holds what the local engine publishes: the same grades,
reasons, subjects and standing records; on the same shards, the same part files byte for byte."""

import pyarrow as pa
import pytest

from credit_scoring.distributed import jobs
from credit_scoring.distributed.engine import LocalEngine
from credit_scoring.records.store import Store
from credit_scoring.snapshots import Snapshot, current_snapshot_id, plain, publish
from tests.distributed.conftest import AS_OF

_ORDER = {"standing": ["uscc", "record_table", "start", "record_id"]}


def _tables(root):
    snapshot = Snapshot(root / current_snapshot_id(root))
    return snapshot.manifest, {
        name: plain(table).sort_by([(c, "ascending") for c in _ORDER.get(name, ["uscc"])])
        for name, table in snapshot.tables.items()
    }


@pytest.fixture(scope="module")
def local_snapshot(city_db, grader, tmp_path_factory):
    root = tmp_path_factory.mktemp("local-snapshots")
    with Store(city_db, read_only=True) as store:
        publish(store, root, as_of=AS_OF, grader=grader)
    return _tables(root)


@pytest.mark.parametrize("shards", (3, 4))
def test_a_dask_snapshot_holds_the_local_snapshot(
    sharded, dask_engine, grader, local_snapshot, shards, tmp_path
):
    manifest = jobs.publish(sharded[shards], tmp_path, as_of=AS_OF, grader=grader,
                            engine=dask_engine)  # fmt: skip
    assert manifest.shards == shards
    assert [p.shard for p in manifest.tables["grades"].parts] == list(range(shards))
    expected_manifest, expected = local_snapshot
    got_manifest, got = _tables(tmp_path)
    assert got_manifest.subjects == expected_manifest.subjects > 1000
    for name in ("grades", "explanations", "subjects", "standing"):
        assert got[name].equals(expected[name].cast(got[name].schema)), name
    reasons = got["explanations"].column("reasons").to_pylist()
    assert sum(r != "[]" for r in reasons) > 100  # reasons with their records were compared


def test_the_same_shards_give_the_same_part_files_on_either_engine(
    sharded, dask_engine, grader, tmp_path
):
    on_dask = jobs.publish(sharded[3], tmp_path / "dask", as_of=AS_OF, grader=grader,
                           engine=dask_engine)  # fmt: skip
    on_local = jobs.publish(sharded[3], tmp_path / "local", as_of=AS_OF, grader=grader,
                            engine=LocalEngine())  # fmt: skip
    for name, table in on_dask.tables.items():
        hashes = [p.sha256 for p in on_local.tables[name].parts]
        assert [p.sha256 for p in table.parts] == hashes, name


def test_a_store_of_one_file_on_dask_publishes_one_unpartitioned_part(
    city_db, dask_engine, grader, tmp_path
):
    manifest = jobs.publish(city_db, tmp_path, as_of=AS_OF, grader=grader, engine=dask_engine)
    assert manifest.shards == 1
    assert [p.shard for p in manifest.tables["grades"].parts] == [None]
    assert isinstance(Snapshot(tmp_path / manifest.snapshot_id).tables["grades"], pa.Table)
