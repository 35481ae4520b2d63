"""Publishing a snapshot: an immutable directory of Parquet tables and a manifest, made current
by replacing one pointer file.

Layout under the snapshot root::

    CURRENT                       the id of the current snapshot (one line)
    20260930-20261201T152000-1a2b/
        manifest.json             id, dates, versions, and each table's file, rows and SHA-256
        grades.parquet            GRADE_COLUMNS, one row per subject, sorted by USCC
        explanations.parquet      EXPLANATION_COLUMNS, same rows, same order
        subjects.parquet          the subject's public face (personal data already masked)
        standing.parquet          STANDING_COLUMNS: the records in force, with their windows

Why this is crash-safe: the tables are written into a hidden temporary directory, each file and
the directory fsynced, and only then renamed into place (a rename within one file system is
atomic); the pointer is written beside ``CURRENT`` and ``os.replace``-d over it. A crash at any
moment leaves ``CURRENT`` naming either the old complete snapshot or the new complete one, never
a half-written directory. Readers that follow ``CURRENT`` never see a partial snapshot either.
Snapshots are never modified after publication; further tables (inspection plans) are just more
entries in ``tables``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from credit_scoring.errors import InvalidInput, SnapshotNotFound
from credit_scoring.policies import file_sha256

__all__ = [
    "POINTER",
    "Manifest",
    "TableFile",
    "current_snapshot_id",
    "manifest_summary",
    "prune_snapshots",
    "publish_snapshot",
    "published_snapshots",
    "read_manifest",
]

POINTER = "CURRENT"
UNFINISHED_AFTER_SECONDS = 3600  # a staging folder this old belongs to no running publication
FORMAT_VERSION = 1


class TableFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    file: str
    rows: int
    sha256: str


class Manifest(BaseModel):
    """What a snapshot holds and what it was computed from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format_version: int
    snapshot_id: str
    as_of: dt.date
    created_at: dt.datetime  # UTC, when the snapshot was published
    store_read_at: dt.datetime  # UTC, when its computation read the store
    policy_version: str
    model_version: str
    source: str = "rules"  # the deciding scorer (snapshots before issue 12 did not say)
    fallback: str | None = None  # why the rules decided although the policy names another
    subjects: int
    tables: dict[str, TableFile]


def publish_snapshot(
    root: Path,
    tables: Mapping[str, pd.DataFrame | pa.Table],
    *,
    as_of: dt.date,
    store_read_at: dt.datetime,
    grading: Mapping[str, Any],
) -> Manifest:
    """Write ``tables`` as a new immutable snapshot under ``root`` and make it current.

    ``grading`` is :meth:`Grader.describe` of the grader the tables were computed with.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    snapshot_id = f"{as_of:%Y%m%d}-{created:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    staging = root / f".tmp-{snapshot_id}"
    staging.mkdir()
    files = {
        name: _write_table(frame, staging / f"{name}.parquet") for name, frame in tables.items()
    }
    manifest = Manifest(
        format_version=FORMAT_VERSION, snapshot_id=snapshot_id, as_of=as_of, created_at=created,
        store_read_at=store_read_at, policy_version=grading["policy_version"],
        model_version=grading["model_version"], source=grading["source"],
        fallback=grading["fallback"],
        subjects=len(tables["grades"]) if "grades" in tables else 0, tables=files,
    )  # fmt: skip
    _write_synced(staging / "manifest.json", manifest.model_dump_json(indent=2).encode())
    _fsync_dir(staging)
    staging.rename(root / snapshot_id)
    _fsync_dir(root)
    _write_synced(root / f"{POINTER}.tmp", f"{snapshot_id}\n".encode())
    os.replace(root / f"{POINTER}.tmp", root / POINTER)
    _fsync_dir(root)
    return manifest


def published_snapshots(root: Path) -> list[Manifest]:
    """Every complete snapshot under ``root``, newest published first."""
    manifests = []
    for directory in Path(root).iterdir() if Path(root).is_dir() else ():
        if directory.is_dir() and not directory.name.startswith("."):
            try:
                manifests.append(read_manifest(directory))
            except SnapshotNotFound:
                continue  # not a snapshot: left alone
    return sorted(manifests, key=lambda m: (m.created_at, m.snapshot_id), reverse=True)


def prune_snapshots(root: Path, *, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest snapshots under ``root``; return the ids deleted.

    The current snapshot is always kept, whatever its age (it counts towards ``keep``). A
    service that has loaded an older snapshot holds its tables in memory, so deleting the
    files under it changes nothing it serves. Staging directories of publications that never
    finished (a publish killed half-way) are deleted once nothing in them has changed for an
    hour; a younger one may belong to a publication still running.
    """
    if keep < 1:
        raise InvalidInput(
            f"keep must be at least 1 (the current snapshot); got {keep}", field="keep"
        )
    current = current_snapshot_id(root)
    kept = {current} if current else set()
    for manifest in published_snapshots(root):
        if len(kept) >= keep:
            break
        kept.add(manifest.snapshot_id)
    deleted = []
    for manifest in published_snapshots(root):
        if manifest.snapshot_id not in kept:
            shutil.rmtree(Path(root) / manifest.snapshot_id)
            deleted.append(manifest.snapshot_id)
    for staging in Path(root).glob(".tmp-*") if Path(root).is_dir() else ():
        try:
            idle = time.time() - _last_written(staging)
        except FileNotFoundError:  # published (renamed) or removed meanwhile
            continue
        if idle > UNFINISHED_AFTER_SECONDS:
            shutil.rmtree(staging)
            deleted.append(staging.name)
    return deleted


def _last_written(staging: Path) -> float:
    """When anything in a staging folder last changed: a table still being written keeps its
    folder young, however long ago the folder itself was made."""
    return max([staging.stat().st_mtime, *(f.stat().st_mtime for f in staging.iterdir())])


def current_snapshot_id(root: Path) -> str | None:
    """The id ``CURRENT`` names, or None before the first publication."""
    try:
        return (Path(root) / POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def read_manifest(directory: Path) -> Manifest:
    path = Path(directory) / "manifest.json"
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except (FileNotFoundError, ValueError) as error:
        raise SnapshotNotFound(f"{path}: no readable manifest ({error})") from None


def _write_table(frame: pd.DataFrame | pa.Table, path: Path) -> TableFile:
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    pq.write_table(table, path, row_group_size=65_536)
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
    return TableFile(file=path.name, rows=len(frame), sha256=file_sha256(path))


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    # A rename is durable only once the directory holding it is synced (POSIX).
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def manifest_summary(manifest: Manifest) -> dict[str, Any]:
    """The manifest as plain JSON-ready values (for the CLI's ``--json``)."""
    return json.loads(manifest.model_dump_json())
