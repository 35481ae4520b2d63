"""Publishing a snapshot: an immutable directory of Arrow tables written in parts and a manifest,
made current by replacing one pointer file.

Layout under the snapshot root (format 2; a partitioned snapshot of ``shards`` shards)::

    CURRENT                       the id of the current snapshot (one line)
    20260930-20261201T152000-1a2b/
        manifest.json             id, dates, versions, shards, and each part's file, rows, SHA-256
        grades/00000.arrow        GRADE_COLUMNS of the subjects of shard 0, sorted by USCC
        grades/00001.arrow        … one part per shard (``credit_scoring.sharding.shard_of``)
        explanations/00000.arrow  EXPLANATION_COLUMNS, the same rows in the same order per shard
        subjects/00000.arrow      the subject's public face (personal data already masked)
        standing/00000.arrow      STANDING_COLUMNS: the records in force, with their windows
        plans.arrow               a table no subject is keyed by: one part, shard None

A snapshot that is not partitioned (:func:`publish_snapshot`) has ``shards = 1`` and one part per
table, ``grades.arrow`` and so on. A part is one Arrow IPC file of one record batch, uncompressed,
so the service memory-maps it and reads only the pages a request touches; columns that are
categories by construction (``_columns.CATEGORIES``) are stored dictionary-encoded. A part is
written the same way by any process — same rows, same bytes, same SHA-256 — so the parts of
several workers (the Dask engine calls :func:`write_part` in its workers) need no coordination
beyond their file names. Snapshots of format 1 (one Parquet file per table) still load.

Why this is crash-safe: the parts are written into a hidden staging directory (each file written
under a temporary name, fsynced, renamed, its directory fsynced), the manifest last; only then is
the staging directory renamed into place (a rename within one file system is atomic) and the
pointer written beside ``CURRENT`` and ``os.replace``-d over it. A crash at any moment leaves
``CURRENT`` naming either the old complete snapshot or the new complete one, never a half-written
directory; a staging directory is never named by ``CURRENT``. Snapshots are never modified after
publication; further tables (inspection plans) are just more entries in ``tables``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict

from credit_scoring.errors import InvalidInput, SnapshotNotFound
from credit_scoring.policies import file_sha256
from credit_scoring.sharding import HASH, shard_of
from credit_scoring.snapshots._columns import CATEGORIES, dictionary_encoded

__all__ = [
    "ALIGNED",
    "KEYED",
    "POINTER",
    "Manifest",
    "PartFile",
    "Staging",
    "TableFile",
    "commit_snapshot",
    "current_snapshot_id",
    "manifest_summary",
    "prune_snapshots",
    "publish_snapshot",
    "published_snapshots",
    "read_manifest",
    "start_snapshot",
    "write_part",
]

POINTER = "CURRENT"
UNFINISHED_AFTER_SECONDS = 3600  # a staging folder this old belongs to no running publication
FORMAT_VERSION = 2
KEYED = ("grades", "explanations", "subjects", "standing")  # one part per shard when partitioned
ALIGNED = ("grades", "explanations", "subjects")  # one row per subject: same rows, same order
_LARGE = 2**31 - 1  # bytes of text past which a column needs 64-bit offsets


class PartFile(BaseModel):
    """One file of a table: a shard's rows, or the whole of a table that is not partitioned."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    file: str  # relative to the snapshot directory, e.g. "grades/00003.arrow"
    rows: int
    sha256: str
    shard: int | None  # the hash shard every row belongs to; None: the table is not partitioned
    bytes: int | None = None  # its size: a truncated part is refused without reading it
    first_uscc: str | None = None  # its first and last key, for tables keyed by subject: the
    last_uscc: str | None = None  # manifest alone shows parts aligned and in their shard


class TableFile(BaseModel):
    """The parts of one table, in order: concatenated, they are the table."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rows: int
    parts: list[PartFile]


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
    shards: int = 1  # the subjects' hash shards; 1: not partitioned
    hash: str = HASH  # how a subject's shard is computed (credit_scoring.sharding.HASH)
    tables: dict[str, TableFile]


@dataclass(frozen=True)
class Staging:
    """A snapshot being written: parts go into ``directory`` until it is committed."""

    root: Path
    snapshot_id: str
    directory: Path  # root / f".tmp-{snapshot_id}"
    created_at: dt.datetime  # UTC, naive: when the publication started (in the id too)


def start_snapshot(root: Path, *, as_of: dt.date) -> Staging:
    """Make the staging directory of a new snapshot of ``as_of`` under ``root``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    snapshot_id = f"{as_of:%Y%m%d}-{created:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    directory = root / f".tmp-{snapshot_id}"
    directory.mkdir()
    return Staging(root, snapshot_id, directory, created)


def write_part(
    directory: Path, table: str, data: pd.DataFrame | pa.Table, *, shard: int | None
) -> PartFile:
    """Write ``data`` as one part of ``table`` into the staging ``directory``; fsynced.

    Pure: what it writes depends on the rows only (not on how they are chunked, on pandas
    metadata or on an existing dictionary encoding), so the same rows give the same SHA-256
    in any process. Rows of a table keyed by subject must come sorted by USCC (checked); those
    of shard ``k`` must be the subjects with ``shard_of(uscc, shards) == k`` (checked from the
    part's first and last key at commit). Writing the same part again replaces it.

    Examples
    --------
    >>> import tempfile, pyarrow as pa
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     part = write_part(Path(folder), "grades", pa.table({"uscc": ["91350200776049653A"],
    ...                       "grade": ["B"]}), shard=None)
    >>> part.file, part.rows
    ('grades.arrow', 1)
    """
    if shard is not None and shard < 0:
        raise InvalidInput(f"{table}: shard must be 0 or more; got {shard}", field="shard")
    arrow = _normalised(table, data)
    first = last = None
    if table in KEYED and "uscc" in arrow.column_names and arrow.num_rows:
        first, last = _sorted_keys(table, arrow.column("uscc").chunk(0))
    name = f"{table}.arrow" if shard is None else f"{table}/{shard:05d}.arrow"
    path = Path(directory) / name
    path.parent.mkdir(exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    with pa.OSFile(str(temporary), "wb") as sink, pa.ipc.new_file(sink, arrow.schema) as writer:
        for batch in arrow.to_batches():  # one batch: each column one contiguous buffer
            writer.write_batch(batch)
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)
    return PartFile(file=name, rows=arrow.num_rows, sha256=file_sha256(path), shard=shard,
                    bytes=path.stat().st_size, first_uscc=first, last_uscc=last)  # fmt: skip


def _normalised(table: str, data: pd.DataFrame | pa.Table) -> pa.Table:
    """One chunk per column, no schema metadata, categories dictionary-encoded, other
    dictionaries decoded: the same rows always make the same table."""
    arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    categories = CATEGORIES.get(table, frozenset())
    columns = []
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            # pandas makes large_string, DuckDB string: one type, 64-bit offsets only if needed
            column = column.cast(pa.large_string() if _text_bytes(column) > _LARGE else pa.string())
        if name in categories:
            columns.append(dictionary_encoded(column))
        else:
            columns.append(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))
    return pa.Table.from_arrays(columns, names=arrow.column_names)


def _text_bytes(column: pa.ChunkedArray) -> int:
    return int(pc.sum(pc.binary_length(column)).as_py() or 0)


def _sorted_keys(table: str, usccs: pa.Array) -> tuple[str, str]:
    """The first and last USCC of a part, once its USCCs are known sorted and present."""
    if usccs.null_count:
        raise InvalidInput(f"{table}: a row without a USCC", field="uscc")
    keys = usccs.to_numpy(zero_copy_only=False)
    steps = keys[1:] >= keys[:-1] if table == "standing" else keys[1:] > keys[:-1]
    if not np.all(steps):
        raise InvalidInput(
            f"{table}: rows must be sorted by USCC{'' if table == 'standing' else ', each once'}",
            field="uscc",
        )
    return str(keys[0]), str(keys[-1])


def commit_snapshot(
    staging: Staging,
    parts: Mapping[str, Sequence[PartFile]],
    *,
    as_of: dt.date,
    store_read_at: dt.datetime,
    grading: Mapping[str, Any],
    shards: int,
) -> Manifest:
    """Write the manifest of the ``parts`` written into ``staging`` and make it current.

    Checks the layout first (every shard of every keyed table once, per-subject tables aligned,
    each part's keys in its shard, every file present at its size): a snapshot that could not
    be served is never published. ``grading`` is :meth:`Grader.describe` of the grader the
    tables were computed with.
    """
    tables = {name: _table_file(name, list(files), shards) for name, files in parts.items()}
    _check_layout(staging.directory, tables, shards)
    manifest = Manifest(
        format_version=FORMAT_VERSION, snapshot_id=staging.snapshot_id, as_of=as_of,
        created_at=staging.created_at, store_read_at=store_read_at,
        policy_version=grading["policy_version"], model_version=grading["model_version"],
        source=grading["source"], fallback=grading["fallback"],
        subjects=tables["grades"].rows if "grades" in tables else 0, shards=shards, hash=HASH,
        tables=tables,
    )  # fmt: skip
    _write_synced(staging.directory / "manifest.json", manifest.model_dump_json(indent=2).encode())
    for folder in {
        staging.directory / Path(p.file).parent for t in tables.values() for p in t.parts
    }:
        _fsync_dir(folder)
    _fsync_dir(staging.directory)
    staging.directory.rename(staging.root / staging.snapshot_id)
    _fsync_dir(staging.root)
    _write_synced(staging.root / f"{POINTER}.tmp", f"{staging.snapshot_id}\n".encode())
    os.replace(staging.root / f"{POINTER}.tmp", staging.root / POINTER)
    _fsync_dir(staging.root)
    return manifest


def _table_file(name: str, files: list[PartFile], shards: int) -> TableFile:
    if shards < 1:
        raise InvalidInput(f"shards must be at least 1; got {shards}", field="shards")
    if name in KEYED and any(p.shard is not None for p in files):
        files = sorted(files, key=lambda p: -1 if p.shard is None else p.shard)
        if [p.shard for p in files] != list(range(shards)):
            raise InvalidInput(f"{name}: one part per shard 0…{shards - 1} expected; got shards "
                               f"{[p.shard for p in files]}", field=name)  # fmt: skip
    elif name in KEYED and (shards != 1 or len(files) != 1):
        raise InvalidInput(f"{name}: a table keyed by subject in a snapshot of {shards} shard(s) "
                           f"needs one part per shard; got {len(files)} unpartitioned part(s)",
                           field=name)  # fmt: skip
    elif name not in KEYED and any(p.shard is not None for p in files):
        raise InvalidInput(f"{name}: only {', '.join(KEYED)} are partitioned", field=name)
    return TableFile(rows=sum(p.rows for p in files), parts=files)


def _check_layout(directory: Path, tables: dict[str, TableFile], shards: int) -> None:
    for name, table in tables.items():
        for part in table.parts:
            path = directory / part.file
            if not path.is_file() or (part.bytes is not None and path.stat().st_size != part.bytes):
                raise InvalidInput(f"{path}: missing or not the part written", field=name)
            for key in (part.first_uscc, part.last_uscc):
                if (
                    part.shard is not None
                    and key is not None
                    and shard_of(key, shards) != part.shard
                ):
                    raise InvalidInput(f"{part.file}: subject {key} belongs to shard "
                                       f"{shard_of(key, shards)}", field=name)  # fmt: skip
    present = [tables[name] for name in ALIGNED if name in tables]
    for table in present[1:]:
        for a, b in zip(present[0].parts, table.parts, strict=True):
            if (a.rows, a.first_uscc, a.last_uscc) != (b.rows, b.first_uscc, b.last_uscc):
                raise InvalidInput(f"{b.file} is not aligned with {a.file}", field=b.file)


def publish_snapshot(
    root: Path,
    tables: Mapping[str, pd.DataFrame | pa.Table],
    *,
    as_of: dt.date,
    store_read_at: dt.datetime,
    grading: Mapping[str, Any],
) -> Manifest:
    """Write ``tables`` as a new immutable snapshot under ``root`` and make it current: one
    part per table, not partitioned (``shards = 1``).

    ``grading`` is :meth:`Grader.describe` of the grader the tables were computed with.
    """
    staging = start_snapshot(root, as_of=as_of)
    parts = {name: [write_part(staging.directory, name, frame, shard=None)]
             for name, frame in tables.items()}  # fmt: skip
    return commit_snapshot(staging, parts, as_of=as_of, store_read_at=store_read_at,
                           grading=grading, shards=1)  # fmt: skip


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
    service that has loaded an older snapshot keeps its files memory-mapped (or, format 1, its
    tables in memory): deleting them removes their names only, and the service reads them until
    it lets the snapshot go (never rewrite a part in place: a mapped file cut short faults).
    Staging directories of publications that never
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
    return max([staging.stat().st_mtime, *(f.stat().st_mtime for f in staging.rglob("*"))])


def current_snapshot_id(root: Path) -> str | None:
    """The id ``CURRENT`` names, or None before the first publication."""
    try:
        return (Path(root) / POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def read_manifest(directory: Path) -> Manifest:
    """The manifest of the snapshot in ``directory``; one of format 1 (a Parquet file per
    table) reads as one part per table, ``format_version`` still 1."""
    path = Path(directory) / "manifest.json"
    try:
        fields = json.loads(path.read_bytes())
        if fields.get("format_version") == 1:
            fields["tables"] = {
                name: {"rows": table["rows"], "parts": [{**table, "shard": None}]}
                for name, table in fields["tables"].items()
            }
        manifest = Manifest.model_validate(fields)
    except (FileNotFoundError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise SnapshotNotFound(f"{path}: no readable manifest ({error})") from None
    if manifest.format_version > FORMAT_VERSION:
        raise SnapshotNotFound(
            f"{path}: snapshot format {manifest.format_version} is newer than this version "
            f"reads ({FORMAT_VERSION}): upgrade credit-scoring"
        )
    return manifest


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
