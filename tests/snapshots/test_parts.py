"""Snapshots written in parts (one per hash shard) serve exactly what one part would, are
published only when committed, and are refused when a part is not the file written."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from credit_scoring.errors import InvalidInput, SnapshotNotFound
from credit_scoring.overview import grade_history, grade_movement
from credit_scoring.policies import file_sha256
from credit_scoring.sharding import HASH, shards_of
from credit_scoring.snapshots import (
    Snapshot,
    SnapshotHolder,
    commit_snapshot,
    current_snapshot_id,
    publish_snapshot,
    published_snapshots,
    read_manifest,
    start_snapshot,
    verify_snapshot,
    write_part,
)

AS_OF = dt.date(2026, 9, 30)
READ_AT = dt.datetime(2026, 10, 1, 2, 0)
GRADING = {"policy_version": "2026.1", "model_version": "rules", "source": "rules",
           "fallback": None}  # fmt: skip
SHARDS = 4
ABSENT = "91350200999999999X"  # shaped like the others, in no table


def _tables(n: int = 240) -> dict[str, pa.Table]:
    """Per-subject tables sorted by USCC, with nulls, NaN, text and dates in them, and a plans
    table no subject is keyed by."""
    rng = np.random.default_rng(3)
    usccs = sorted(f"91350200{i * 7919 % 10**9:09d}X" for i in range(n))
    grade = rng.choice(list("ABCD"), n)
    pd_ = [None if i % 11 == 0 else float("nan") if i % 13 == 0 else rng.random() for i in range(n)]
    grades = pa.table({
        "uscc": usccs, "grade": grade, "score": rng.normal(600, 50, n), "pd": pa.array(pd_),
        "source": ["rules"] * n, "overrides": ["" if i % 5 else "BLACK_LIST" for i in range(n)],
        "policy_version": ["2026.1"] * n, "model_version": ["rules"] * n,
        "rules_points": pa.array([None if i % 7 == 0 else i for i in range(n)], pa.int64()),
        "flagged": pa.array([None if i % 9 == 0 else i % 2 == 0 for i in range(n)]),
    })  # fmt: skip
    explanations = pa.table({
        "uscc": usccs, "as_of": [AS_OF] * n, "grade": grade, "source": ["rules"] * n,
        "policy_version": ["2026.1"] * n, "model_version": ["rules"] * n,
        "reasons": [json.dumps([{"code": f"R{i % 17}", "text": "处罚"}]) for i in range(n)],
    })  # fmt: skip
    subjects = pa.table({
        "uscc": usccs, "name": [f"厦门某某{i}有限公司" for i in range(n)],
        "subject_type": ["enterprise" if i % 3 else "individual_business" for i in range(n)],
        "region_code": [f"3502{i % 6:02d}" for i in range(n)],
        "domains": [None if i % 8 == 0 else "market;food" for i in range(n)],
        "status": ["active"] * n, "legal_rep_name": [None if i % 4 else "张*" for i in range(n)],
    })  # fmt: skip
    owners = [u for i, u in enumerate(usccs) for _ in range(i % 3)]  # 0, 1 or 2 records each
    standing = pa.table({
        "uscc": owners, "record_table": ["list_entries" if i % 4 == 0 else "penalties"
                                         for i in range(len(owners))],
        "record_id": [f"R{i:05d}" for i in range(len(owners))],
        "in_force_from": [dt.date(2026, 1, 1 + i % 28) for i in range(len(owners))],
    })  # fmt: skip
    plans = pa.table({"plan_id": ["P1", "P1"], "uscc": [usccs[3], usccs[1]]})
    return {"grades": grades, "explanations": explanations, "subjects": subjects,
            "standing": standing, "plans": plans}  # fmt: skip


def _publish_in_parts(root, tables, shards=SHARDS):
    """What the Dask engine does: split by shard, write each part, commit once."""
    staging = start_snapshot(root, as_of=AS_OF)
    parts = {}
    for name, table in tables.items():
        if name == "plans":
            parts[name] = [write_part(staging.directory, name, table, shard=None)]
            continue
        shard = shards_of(table.column("uscc").to_pylist(), shards)
        parts[name] = [
            write_part(staging.directory, name, table.filter(pa.array(shard == k)), shard=k)
            for k in reversed(range(shards))  # any order: the manifest lists them by shard
        ]
    return commit_snapshot(staging, parts, as_of=AS_OF, store_read_at=READ_AT, grading=GRADING,
                           shards=shards)  # fmt: skip


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tables = _tables()
    whole_root = tmp_path_factory.mktemp("whole")
    parts_root = tmp_path_factory.mktemp("parts")
    whole = publish_snapshot(whole_root, tables, as_of=AS_OF, store_read_at=READ_AT,
                             grading=GRADING)  # fmt: skip
    parted = _publish_in_parts(parts_root, tables)
    return tables, whole_root / whole.snapshot_id, parts_root / parted.snapshot_id


def test_a_partitioned_snapshot_serves_the_rows_of_the_same_data_in_one_part(published):
    tables, whole_dir, parts_dir = published
    whole, parted = Snapshot(whole_dir), Snapshot(parts_dir)
    assert (whole.manifest.shards, parted.manifest.shards) == (1, SHARDS)
    assert parted.manifest.hash == HASH and parted.manifest.format_version == 2
    assert [p.shard for p in parted.manifest.tables["grades"].parts] == list(range(SHARDS))
    assert parted.manifest.tables["plans"].parts[0].shard is None
    for uscc in tables["grades"].column("uscc").to_pylist():
        for table in ("grades", "explanations", "subjects"):
            a, b = whole.row(table, uscc), parted.row(table, uscc)
            assert json.dumps(a, default=str) == json.dumps(b, default=str), (table, uscc)
        assert whole.standing(uscc) == parted.standing(uscc)
    assert whole.list_entries == parted.list_entries
    assert parted.tables["plans"].to_pylist() == tables["plans"].to_pylist()
    # Rows read through the per-column readers are the rows Arrow holds.
    some = tables["grades"].column("uscc").to_pylist()[17]
    assert (
        parted.row("grades", some)
        == tables["grades"]
        .filter(pa.compute.equal(tables["grades"].column("uscc"), some))
        .to_pylist()[0]
    )


def test_find_gives_the_global_row_across_parts_and_none_for_an_absent_subject(published):
    tables, _, parts_dir = published
    snapshot = Snapshot(parts_dir)
    grades = snapshot.tables["grades"]  # the parts concatenated, in shard order
    assert grades.num_rows == tables["grades"].num_rows
    parts = snapshot.manifest.tables["grades"].parts
    assert all(p.rows for p in parts), "every shard holds subjects: the test crosses parts"
    for uscc in tables["grades"].column("uscc").to_pylist():
        row = snapshot.find(uscc)
        assert grades.column("uscc")[row].as_py() == uscc
        assert snapshot.tables["subjects"].column("uscc")[row].as_py() == uscc
    rows = [snapshot.find(u) for u in tables["grades"].column("uscc").to_pylist()[:5]]
    assert (
        grades.take(rows).column("uscc").to_pylist()
        == tables["grades"].column("uscc").to_pylist()[:5]
    )
    for missing in (ABSENT, "", "X", tables["grades"].column("uscc")[0].as_py() + "0"):
        assert snapshot.find(missing) is None and snapshot.row("grades", missing) is None
        assert snapshot.standing(missing) == []


def test_categories_are_stored_dictionary_encoded_and_read_in_place(published):
    _, _, parts_dir = published
    manifest = read_manifest(parts_dir)
    with pa.memory_map(str(parts_dir / manifest.tables["grades"].parts[0].file)) as source:
        schema = ipc.open_file(source).schema
    assert pa.types.is_dictionary(schema.field("grade").type)
    assert pa.types.is_dictionary(schema.field("overrides").type)
    assert not pa.types.is_dictionary(schema.field("score").type)
    assert schema.metadata is None  # no pandas metadata: the bytes depend on the rows only


def test_the_same_rows_make_the_same_part_whatever_engine_wrote_them(tmp_path):
    grades = _tables(60)["grades"]
    one, two, three = (tmp_path / name for name in ("one", "two", "three"))
    for folder in (one, two, three):
        folder.mkdir()
    a = write_part(one, "grades", grades, shard=2)
    # Another engine: other chunks, 64-bit text offsets (pandas'), a category already encoded,
    # schema metadata; the function shipped to a worker process by pickling.
    other = pa.concat_tables([grades.slice(0, 25), grades.slice(25)])
    other = other.set_column(0, "uscc", other.column("uscc").cast(pa.large_string()))
    other = other.set_column(1, "grade", other.column("grade").dictionary_encode())
    other = other.replace_schema_metadata({"engine": "dask"})
    b = pickle.loads(pickle.dumps(write_part))(two, "grades", other, shard=2)
    assert a == b and a.file == "grades/00002.arrow"
    assert (one / a.file).read_bytes() == (two / b.file).read_bytes()
    assert write_part(one, "grades", grades, shard=2) == a  # written again: the same file
    # A DataFrame of the same values (pandas has no NaN apart from null, no int with nulls).
    subjects = _tables(60)["subjects"]
    assert write_part(three, "subjects", subjects.to_pandas(), shard=None) == write_part(
        one, "subjects", subjects, shard=None
    )


def test_a_part_altered_on_disk_is_refused(published, tmp_path):
    _, _, parts_dir = published
    root = tmp_path / "copy"
    shutil.copytree(parts_dir, root / parts_dir.name)
    directory = root / parts_dir.name
    part = read_manifest(directory).tables["explanations"].parts[1]
    path = directory / part.file
    data = bytearray(path.read_bytes())
    at = data.find(b"R1")  # a reason code inside the text: the file still reads as Arrow
    data[at + 1] = ord("7")
    path.write_bytes(bytes(data))  # same size: only its SHA-256 tells
    with pytest.raises(SnapshotNotFound, match=r"explanations/00001\.arrow"):
        Snapshot(directory)
    with pytest.raises(SnapshotNotFound, match=r"explanations/00001\.arrow"):
        verify_snapshot(directory)
    assert Snapshot(directory, verify=False).manifest.shards == SHARDS  # unchecked by choice
    path.write_bytes(bytes(data[:-100]))  # truncated: refused even unverified
    with pytest.raises(SnapshotNotFound, match=r"explanations/00001\.arrow"):
        Snapshot(directory, verify=False)


def test_verify_snapshot_passes_an_intact_snapshot(published):
    _, whole_dir, parts_dir = published
    assert verify_snapshot(parts_dir).shards == SHARDS
    assert verify_snapshot(whole_dir).shards == 1


def _format_one(root, tables) -> str:
    """A snapshot as published before parts: one Parquet file per table, format 1."""
    snapshot_id = "20260930-20261001T000000-aaaaaa"
    directory = root / snapshot_id
    directory.mkdir(parents=True)
    files = {}
    for name, table in tables.items():
        pq.write_table(table, directory / f"{name}.parquet", row_group_size=50)
        files[name] = {"file": f"{name}.parquet", "rows": table.num_rows,
                       "sha256": file_sha256(directory / f"{name}.parquet")}  # fmt: skip
    manifest = {"format_version": 1, "snapshot_id": snapshot_id, "as_of": str(AS_OF),
                "created_at": "2026-10-01T00:00:00", "store_read_at": READ_AT.isoformat(),
                "policy_version": "2026.1", "model_version": "rules", "source": "rules",
                "fallback": None, "subjects": tables["grades"].num_rows,
                "tables": files}  # fmt: skip
    (directory / "manifest.json").write_text(json.dumps(manifest))
    (root / "CURRENT").write_text(snapshot_id + "\n")
    return snapshot_id


def test_a_format_one_snapshot_still_loads_and_serves_the_same_rows(published, tmp_path):
    tables, whole_dir, _ = published
    root = tmp_path / "old"
    snapshot_id = _format_one(root, tables)
    old, new = Snapshot(root / snapshot_id), Snapshot(whole_dir)
    assert old.manifest.format_version == 1 and old.manifest.shards == 1
    for uscc in tables["grades"].column("uscc").to_pylist()[::7]:
        for table in ("grades", "explanations", "subjects"):
            a, b = old.row(table, uscc), new.row(table, uscc)
            assert json.dumps(a, default=str) == json.dumps(b, default=str), (table, uscc)
        assert old.standing(uscc) == new.standing(uscc)
    assert old.find(ABSENT) is None
    holder = SnapshotHolder(root)
    assert holder.refresh() and holder.state.snapshot_id == snapshot_id
    first = tables["grades"].column("uscc")[0].as_py()
    assert [h.snapshot_id for h in grade_history(root, first)] == [snapshot_id]


def test_a_manifest_of_a_newer_format_is_refused_by_name(published, tmp_path):
    _, whole_dir, _ = published
    directory = tmp_path / "future"
    shutil.copytree(whole_dir, directory)
    manifest = json.loads((directory / "manifest.json").read_text())
    (directory / "manifest.json").write_text(json.dumps({**manifest, "format_version": 3}))
    with pytest.raises(SnapshotNotFound, match="format 3 is newer"):
        Snapshot(directory)


def test_a_staging_directory_is_never_current_until_committed(tmp_path, monkeypatch):
    tables = _tables(40)
    root = tmp_path / "snapshots"
    first = publish_snapshot(root, tables, as_of=AS_OF, store_read_at=READ_AT, grading=GRADING)
    staging = start_snapshot(root, as_of=AS_OF)
    parts = {name: [write_part(staging.directory, name, table, shard=None)]
             for name, table in tables.items()}  # fmt: skip
    # Written but not committed: nothing sees it.
    assert current_snapshot_id(root) == first.snapshot_id
    assert [m.snapshot_id for m in published_snapshots(root)] == [first.snapshot_id]
    holder = SnapshotHolder(root)
    assert holder.refresh() and holder.state.snapshot_id == first.snapshot_id

    # Killed in the commit after the manifest, before the rename: still the old snapshot.
    def killed(self, target):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(type(staging.directory), "rename", killed)
        with pytest.raises(KeyboardInterrupt):
            commit_snapshot(staging, parts, as_of=AS_OF, store_read_at=READ_AT,
                            grading=GRADING, shards=1)  # fmt: skip
    assert current_snapshot_id(root) == first.snapshot_id
    assert holder.refresh() is False
    second = commit_snapshot(staging, parts, as_of=AS_OF, store_read_at=READ_AT, grading=GRADING,
                             shards=1)  # fmt: skip
    assert current_snapshot_id(root) == second.snapshot_id == staging.snapshot_id
    assert not staging.directory.exists() and holder.refresh()


def test_a_commit_refuses_parts_that_could_not_be_served(tmp_path):
    tables = _tables(80)
    grades = tables["grades"]
    shard = shards_of(grades.column("uscc").to_pylist(), 2)
    staging = start_snapshot(tmp_path, as_of=AS_OF)

    def part(table, k, rows=None):
        data = tables[table].filter(pa.array(shard == k)) if rows is None else rows
        return write_part(staging.directory, table, data, shard=k)

    aligned = {t: [part(t, 0), part(t, 1)] for t in ("grades", "explanations", "subjects")}
    standing = [write_part(staging.directory, "standing", tables["standing"].slice(0, 0),
                           shard=k) for k in range(2)]  # fmt: skip

    def commit(parts, shards=2):
        return commit_snapshot(staging, {**parts, "standing": standing}, as_of=AS_OF,
                               store_read_at=READ_AT, grading=GRADING, shards=shards)  # fmt: skip

    with pytest.raises(InvalidInput, match="one part per shard"):
        commit({**aligned, "grades": aligned["grades"][:1]})  # shard 1 missing
    wrong = part("subjects", 1, tables["subjects"].filter(pa.array(shard == 0)))
    with pytest.raises(InvalidInput, match="belongs to shard 0"):
        commit({**aligned, "subjects": [aligned["subjects"][0], wrong]})
    with pytest.raises(InvalidInput, match="not the part written"):
        commit(aligned)  # subjects/00001.arrow is now the wrong one's file
    aligned["subjects"][1] = part("subjects", 1)
    fewer = part("explanations", 1, tables["explanations"].filter(pa.array(shard == 1)).slice(1))
    with pytest.raises(InvalidInput, match="not aligned"):
        commit({**aligned, "explanations": [aligned["explanations"][0], fewer]})
    aligned["explanations"][1] = part("explanations", 1)
    with pytest.raises(InvalidInput, match="needs one part per shard"):
        commit({t: [write_part(staging.directory, t, tables[t], shard=None)] for t in aligned})
    assert current_snapshot_id(tmp_path) is None
    assert commit(aligned).subjects == grades.num_rows


def test_a_part_keyed_by_subject_must_come_sorted(tmp_path):
    grades = _tables(10)["grades"]
    backwards = grades.take(pa.array(range(9, -1, -1)))
    with pytest.raises(InvalidInput, match="sorted by USCC"):
        write_part(tmp_path, "grades", backwards, shard=None)
    twice = pa.concat_tables([grades.slice(0, 1), grades.slice(0, 1)])
    with pytest.raises(InvalidInput, match="each once"):
        write_part(tmp_path, "grades", twice, shard=None)


def test_history_and_movement_read_partitioned_snapshots(published, tmp_path):
    tables, _, _ = published
    root = tmp_path / "snapshots"
    first = _publish_in_parts(root, tables)
    shifted = dict(tables)
    moved = {"A": "B", "B": "C", "C": "D", "D": "A"}
    for name in ("grades", "explanations"):
        table = tables[name]
        grades = pa.array([moved[g] for g in table.column("grade").to_pylist()])
        shifted[name] = table.set_column(table.schema.get_field_index("grade"), "grade", grades)
    second = _publish_in_parts(root, shifted, shards=3)  # another layout: the same subjects
    uscc = tables["grades"].column("uscc")[5].as_py()
    history = grade_history(root, uscc)
    assert [h.snapshot_id for h in history] == [first.snapshot_id, second.snapshot_id]
    assert history[1].grade == moved[history[0].grade]
    assert grade_history(root, ABSENT) == []
    movement = grade_movement(root)
    assert movement.moved == tables["grades"].num_rows
    assert isinstance(movement.matrix, pd.DataFrame)


@pytest.mark.parametrize(("limit_mb", "releases"), [(0, 0), (10**6, 0), (1, 15)])
def test_a_worker_lets_the_snapshot_pages_go_past_its_limit(tmp_path, monkeypatch, limit_mb,
                                                            releases):  # fmt: skip
    """Every 64 lookups a worker over its limit unmaps the pages it has read (0: never; under
    the limit: nothing to do), and the rows read afterwards are the same (a file mapping is
    read again, never zero-filled)."""
    from credit_scoring.snapshots.serving import Snapshot, SnapshotHolder

    root = tmp_path / "snapshots"
    _publish_in_parts(root, _tables(), shards=3)
    released = []
    original = Snapshot.release_pages
    monkeypatch.setattr(Snapshot, "release_pages", lambda self: (released.append(1),
                                                                 original(self)))  # fmt: skip
    holder = SnapshotHolder(root, resident_mb=limit_mb)
    holder.refresh()
    served = holder.state
    usccs = served.snapshot.tables["grades"].column("uscc").to_pylist()  # 240 subjects
    before = [served.grade_fields(u) for u in usccs]
    after = [served.grade_fields(u) for u in usccs * 3]
    assert after == before * 3
    assert len(released) == releases  # 960 lookups: every 64th
