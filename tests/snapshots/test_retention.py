"""Old snapshots can be pruned; the one being served never is."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
import time

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.policies import file_sha256
from credit_scoring.snapshots import (
    current_snapshot_id,
    prune_snapshots,
    publish_snapshot,
    published_snapshots,
    read_manifest,
)

AS_OF = dt.date(2026, 9, 30)
# The module, not the function of the same name the package exports.
publish_module = importlib.import_module("credit_scoring.snapshots.publish")


def _publish(root, n: int) -> list[str]:
    ids = []
    for i in range(n):
        grades = pa.table({"uscc": ["91350200776049653A"], "grade": ["ABCD"[i % 4]]})
        manifest = publish_snapshot(
            root, {"grades": grades}, as_of=AS_OF, store_read_at=dt.datetime(2026, 10, 1),
            grading={"policy_version": "p", "model_version": f"m{i}", "source": "rules",
                     "fallback": None},
        )  # fmt: skip
        ids.append(manifest.snapshot_id)
        time.sleep(1.01)  # ids and creation times have one-second resolution
    return ids


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("snapshots")
    return root, _publish(root, 4)


def _copy(root, into):
    shutil.copytree(root, into)
    return into


def test_pruning_keeps_the_newest_and_the_current_one(published, tmp_path):
    root = _copy(published[0], tmp_path / "copy")
    oldest, second, third, newest = published[1]
    (root / "CURRENT").write_text(oldest + "\n")  # rolled back to the first
    (root / ".tmp-unfinished").mkdir()  # a publication that may still be running
    (root / ".tmp-killed").mkdir()  # one killed two hours ago: it never finishes
    two_hours_ago = time.time() - 7200
    os.utime(root / ".tmp-killed", (two_hours_ago, two_hours_ago))
    (root / "notes").mkdir()  # not a snapshot

    deleted = prune_snapshots(root, keep=2)

    assert sorted(deleted) == sorted([second, third, ".tmp-killed"])
    assert [m.snapshot_id for m in published_snapshots(root)] == [newest, oldest]
    assert current_snapshot_id(root) == oldest
    [kept] = read_manifest(root / oldest).tables["grades"].parts
    assert file_sha256(root / oldest / kept.file) == kept.sha256  # intact
    assert (root / ".tmp-unfinished").is_dir() and (root / "notes").is_dir()


def test_keeping_at_least_as_many_as_exist_deletes_nothing(published, tmp_path):
    root = _copy(published[0], tmp_path / "copy")
    assert prune_snapshots(root, keep=4) == []
    assert len(published_snapshots(root)) == 4


def test_keep_must_leave_the_current_snapshot(published):
    with pytest.raises(ValueError, match="at least 1"):
        prune_snapshots(published[0], keep=0)


def test_the_cli_lists_and_prunes(published, tmp_path):
    root = _copy(published[0], tmp_path / "copy")
    runner = CliRunner()
    listed = runner.invoke(app, ["snapshots", "list", "--snapshots", str(root), "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["snapshot_id"] for r in rows] == published[1][::-1]
    assert [r["current"] for r in rows] == [True, False, False, False]

    pruned = runner.invoke(app, ["snapshots", "prune", "--keep", "1", "--snapshots", str(root)])
    assert pruned.exit_code == 0, pruned.output
    assert "deleted 3 snapshot(s)" in pruned.output
    assert [m.snapshot_id for m in published_snapshots(root)] == [published[1][-1]]


def test_a_publication_killed_mid_way_is_pruned_an_hour_after_its_last_write(
    published, tmp_path, monkeypatch
):
    root = _copy(published[0], tmp_path / "copy")
    written = []

    def killed_after_one_table(directory, table, frame, *, shard):
        if written:
            raise KeyboardInterrupt  # kill -9 between two tables: the staging folder stays
        part = write_part(directory, table, frame, shard=shard)
        written.append(directory / part.file)
        return part

    write_part = publish_module.write_part
    monkeypatch.setattr(publish_module, "write_part", killed_after_one_table)
    tables = {"grades": pa.table({"uscc": ["X"]}), "explanations": pa.table({"uscc": ["X"]})}
    with pytest.raises(KeyboardInterrupt):
        publish_snapshot(root, tables, as_of=AS_OF, store_read_at=dt.datetime(2026, 10, 1),
                         grading={"policy_version": "p", "model_version": "m",
                                  "source": "rules", "fallback": None})  # fmt: skip
    [staging] = root.glob(".tmp-*")
    two_hours_ago = time.time() - 7200
    os.utime(staging, (two_hours_ago, two_hours_ago))
    # The folder was made long ago but a table in it was written just now: a publication
    # still writing a large table is never pulled from under it.
    assert prune_snapshots(root, keep=4) == []
    os.utime(written[0], (two_hours_ago, two_hours_ago))
    pruned = CliRunner().invoke(app, ["snapshots", "prune", "--keep", "4", "--snapshots",
                                      str(root), "--json"])  # fmt: skip
    assert json.loads(pruned.stdout) == {"deleted_snapshots": [staging.name]}
    assert not staging.exists() and current_snapshot_id(root) == published[1][-1]
