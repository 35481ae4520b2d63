"""Snapshots publish atomically and swap while the service runs, never serving a mix of two."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import threading

import httpx
import pyarrow as pa
import pytest

from api.services import Services
from credit_scoring.errors import SnapshotNotFound
from credit_scoring.snapshots import Snapshot, SnapshotHolder, current_snapshot_id, publish_snapshot
from credit_scoring.workflows import connect
from credit_scoring.workflows.keys import create_key

from .conftest import AS_OF, fresh_workflow_database, start_service

NEXT = {"A": "B", "B": "C", "C": "D", "D": "A"}


def _shifted(table: pa.Table) -> pa.Table:
    """The same table with every grade one letter further: a snapshot unlike the first."""
    grades = pa.array([NEXT[g] for g in table.column("grade").to_pylist()])
    return table.set_column(table.schema.get_field_index("grade"), "grade", grades)


@pytest.fixture(scope="module")
def two_snapshots(city, tmp_path_factory):
    folder = tmp_path_factory.mktemp("swap")
    shutil.copy(city / "credit.duckdb", folder / "credit.duckdb")
    shutil.copytree(city / "snapshots", folder / "snapshots")
    first = Snapshot(folder / "snapshots" / current_snapshot_id(folder / "snapshots"))
    tables = dict(first.tables)
    tables["grades"] = _shifted(tables["grades"])
    tables["explanations"] = _shifted(tables["explanations"])
    manifest = first.manifest
    second = publish_snapshot(
        folder / "snapshots", tables, as_of=manifest.as_of, store_read_at=manifest.store_read_at,
        grading={**manifest.model_dump(include={"model_version", "source", "fallback"}),
                 "policy_version": "shifted"},
    )  # fmt: skip
    grades = {}
    for snapshot_id in (first.snapshot_id, second.snapshot_id):
        table = Snapshot(folder / "snapshots" / snapshot_id).tables["grades"]
        grades[snapshot_id] = dict(zip(table.column("uscc").to_pylist(),
                                       table.column("grade").to_pylist(), strict=True))  # fmt: skip
    return folder, first.snapshot_id, second.snapshot_id, grades


def _point_at(root, snapshot_id):
    (root / "CURRENT.tmp").write_text(snapshot_id + "\n")
    os.replace(root / "CURRENT.tmp", root / "CURRENT")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_swap_under_concurrent_reads_never_serves_a_mix_of_two_snapshots(two_snapshots, database):
    folder, first, second, grades = two_snapshots
    url = fresh_workflow_database(database, folder)
    _, token = create_key(connect(url), name="swap", role="regulator", actor="tests")
    client, settings = start_service(folder, url)
    app = client.app
    app.state.services = Services.start(settings)
    holder = app.state.services.holder
    subjects = sorted(grades[first])
    done = threading.Event()

    def swap_back_and_forth():
        target = second
        while not done.is_set():
            _point_at(folder / "snapshots", target)
            holder.refresh()
            target = first if target == second else second

    async def read_many():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

            async def one(uscc, what):
                response = await http.get(f"/v1/subjects/{uscc}/{what}",
                                          headers={"X-API-Key": token})  # fmt: skip
                assert response.status_code == 200, response.text
                return uscc, response.json()

            rng = random.Random(0)
            calls = [one(rng.choice(subjects), rng.choice(["grade", "explanation"]))
                     for _ in range(3000)]  # fmt: skip
            return await asyncio.gather(*calls)

    swapper = threading.Thread(target=swap_back_and_forth)
    swapper.start()
    try:
        answers = asyncio.run(read_many())
    finally:
        done.set()
        swapper.join()
    seen = set()
    for uscc, body in answers:
        seen.add(body["snapshot_id"])
        assert body["grade"] == grades[body["snapshot_id"]][uscc]
    assert seen == {first, second}, "the swap must happen while requests are served"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_service_is_not_ready_until_a_snapshot_is_published(city, tmp_path, database):
    shutil.copy(city / "credit.duckdb", tmp_path / "credit.duckdb")
    client, _ = start_service(tmp_path, fresh_workflow_database(database, tmp_path))
    with client:
        assert client.get("/healthz").status_code == 200
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert not_ready.headers["retry-after"]
        shutil.copytree(city / "snapshots", tmp_path / "snapshots")
        client.app.state.services.poll()  # what the background loop does every poll_seconds
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["snapshot_id"] == current_snapshot_id(tmp_path / "snapshots")
        assert ready.json()["as_of"] == AS_OF.isoformat()


def test_publishing_leaves_only_complete_snapshots_and_a_pointer(two_snapshots):
    folder, first, second, _ = two_snapshots
    root = folder / "snapshots"
    assert not [p for p in root.iterdir() if p.name.startswith(".tmp")]
    for snapshot_id in (first, second):
        snapshot = Snapshot(root / snapshot_id)  # checks every file against its SHA-256
        assert set(snapshot.manifest.tables) >= {"grades", "explanations", "subjects", "standing"}


def test_a_damaged_snapshot_is_refused_and_the_old_one_kept(two_snapshots, tmp_path):
    folder, first, second, _ = two_snapshots
    root = tmp_path / "snapshots"
    shutil.copytree(folder / "snapshots", root)
    _point_at(root, first)
    holder = SnapshotHolder(root)
    assert holder.refresh()
    # A truncated grades file: what a disk error or a hand edit leaves behind.
    grades = root / second / "grades.arrow"
    grades.write_bytes(grades.read_bytes()[:-1000])
    _point_at(root, second)
    with pytest.raises(SnapshotNotFound, match=r"grades\.arrow"):
        holder.refresh()
    assert holder.state is not None and holder.state.snapshot_id == first
    assert holder.refresh() is False  # refused once, not re-read (and re-hashed) every poll


def test_a_subject_is_found_at_its_row_and_an_unknown_code_nowhere(service):
    snapshot = service.served.snapshot
    usccs = snapshot.tables["grades"].column("uscc").to_pylist()
    # Repeats and misses in between: the last search is remembered, never mixed up.
    for row in (0, len(usccs) - 1, 7, 7, 0):
        assert snapshot.find(usccs[row]) == row
        assert snapshot.find("91350200776049653A") is None
        assert snapshot.row("subjects", usccs[row], ["uscc"]) == {"uscc": usccs[row]}
