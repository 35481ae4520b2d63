"""The snapshot a service answers from, swapped atomically while it runs.

A :class:`Snapshot` is one published directory opened as Arrow tables over memory-mapped files
(format 2): nothing is read at load beyond each part's footer, and a request reads only the pages
it touches — the key pages of one binary search and one page per column of its row — which the
operating system shares between workers and may drop and read again. A subject is found in its
shard's part (``shard_of``) by binary search over that part's USCCs, viewed in place as 18-byte
strings. Snapshots of format 1 (one Parquet file per table) are read whole into memory, as before.
A :class:`Served` pairs a snapshot with the regrades newer than it; both are immutable.
:class:`SnapshotHolder` owns the one reference to the current ``Served`` and replaces it by a
single assignment, so a request that takes ``holder.state`` once reads one snapshot from start to
finish — never half of the old and half of the new — while a new snapshot loads in the background
and the old one is freed (its files unmapped) when its last reader is done.

Integrity: at every load each part must exist at the size the manifest records, with its Arrow
footer, row count and schema, and the per-subject parts of a shard must hold the same number of
rows with the same first and last USCC — cheap, and it refuses a truncated or swapped file. With
``verify`` (the default, ``Settings.verify_snapshots``) every part's SHA-256 is checked too, read
through the page cache, not into the worker's memory (about 1 s per GB); :func:`verify_snapshot`
also compares every key of every part, for a check after publication.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import mmap
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credit_scoring.errors import SnapshotNotFound, SubjectNotFound
from credit_scoring.explain import Explanation, explanation_from_row
from credit_scoring.policies import file_sha256
from credit_scoring.records.codes import IdStatus, uscc_check_char, uscc_status
from credit_scoring.sharding import HASH, shard_of, shards_of
from credit_scoring.snapshots._columns import CATEGORIES, Reader, column_reader
from credit_scoring.snapshots.publish import (
    ALIGNED,
    Manifest,
    PartFile,
    current_snapshot_id,
    read_manifest,
)

__all__ = [
    "Regraded",
    "Served",
    "ServedGrade",
    "Snapshot",
    "SnapshotHolder",
    "plain",
    "read_part",
    "read_subject_row",
    "verify_snapshot",
]

_REQUIRED = ("grades", "explanations", "subjects", "standing")
_CHECK_EVERY = 64  # lookups between two looks at the mapped pages (~0.03 ms each)
_GRADE_FIELDS = ("grade", "score", "pd", "source", "overrides", "policy_version", "model_version")


@dataclass(frozen=True)
class Regraded:
    """One subject re-graded after a decision or on request, served over the snapshot
    (saved and loaded by :mod:`credit_scoring.workflows.regrades`)."""

    id: int
    uscc: str
    regraded_at: dt.datetime  # in UTC, with its offset
    explanation: dict[str, Any]  # one row of explanation_table
    standing: list[dict[str, Any]]  # rows of standing_records, dates as datetime.date


@dataclass(frozen=True)
class ServedGrade:
    uscc: str
    grade: str
    score: float
    pd: float | None
    source: str
    overrides: list[str]
    as_of: dt.date
    policy_version: str
    model_version: str
    snapshot_id: str
    regraded_at: dt.datetime | None


class Snapshot:
    """One published snapshot, opened and checked against its manifest.

    ``tables[name]`` is the whole table (its parts concatenated without a copy, in shard order);
    :meth:`find` gives a subject's row number in it.
    """

    def __init__(self, directory: Path, *, verify: bool = True, resident_mb: int = 0) -> None:
        self.directory = Path(directory)
        self.resident_mb = resident_mb  # see release_pages; 0: never
        self._lookups = 0
        self.manifest: Manifest = read_manifest(self.directory)
        manifest = self.manifest
        missing = [name for name in _REQUIRED if name not in manifest.tables]
        if missing:
            raise SnapshotNotFound(f"{self.directory}: the manifest lacks {missing}")
        if manifest.shards > 1 and manifest.hash != HASH:
            raise SnapshotNotFound(f"{self.directory}: shards by {manifest.hash!r}; this version "
                                   f"knows {HASH!r}")  # fmt: skip
        self._mappings: list[mmap.mmap] = []  # every part's, to let their pages go
        parts = {name: [read_part(self.directory, p, manifest.format_version, verify=verify,
                                  mappings=self._mappings)
                        for p in table.parts]
                 for name, table in manifest.tables.items()}  # fmt: skip
        self.tables = {name: _concatenated(self.directory, name, tables)
                       for name, tables in parts.items()}  # fmt: skip
        self._shards = manifest.shards
        self._keys = [_keys(part.column("uscc")) for part in parts["grades"]]
        self._starts = np.cumsum([0, *(len(k) for k in self._keys)]).tolist()
        self._check_aligned(parts)
        self._standing = parts["standing"]
        self._standing_keys = [_keys(part.column("uscc")) for part in parts["standing"]]
        # A reader per column and part (_columns.py): a grade's row in ~3 µs, not ~10 µs of
        # Arrow scalars; made from the buffers' addresses, without reading the rows.
        self._last_found: tuple[str | None, tuple[int, int] | None] = (None, None)
        self._columns = {name: [_readers(part, CATEGORIES[name]) for part in parts[name]]
                         for name in ALIGNED}  # fmt: skip

    @property
    def snapshot_id(self) -> str:
        return self.manifest.snapshot_id

    def _bound_resident(self) -> None:
        if mapped_file_mb() > self.resident_mb:
            self.release_pages()

    def release_pages(self) -> None:
        """Unmap the pages requests have read. They stay in the page cache, shared by every
        worker, and the next read of one maps it again (a minor fault, no disk read): without
        this a worker's resident set grows with every distinct page it ever touched, to the
        size of the snapshot. Safe while requests read: a file mapping is never zero-filled.

        Called every ``_CHECK_EVERY`` lookups once the process maps more than ``resident_mb``
        of files: a lookup in a 10-million-subject snapshot maps about 2 MB (the kernel maps
        64 KB around each page read), too fast for a check once a second."""
        for mapped in self._mappings:
            mapped.madvise(mmap.MADV_DONTNEED)

    def row(
        self, table: str, uscc: str, columns: Iterable[str] | None = None
    ) -> dict[str, Any] | None:
        """The row of ``table`` (grades, explanations, subjects) for ``uscc``, or some columns."""
        found = self._locate(uscc)
        if found is None:
            return None
        part, i = found
        readers = self._columns[table][part]
        return {name: readers[name](i) for name in (columns or readers)}

    def find(self, uscc: str) -> int | None:
        """The row number of ``uscc`` in ``tables`` of the per-subject tables (they are
        aligned), or None."""
        found = self._locate(uscc)
        return None if found is None else self._starts[found[0]] + found[1]

    def _locate(self, uscc: str) -> tuple[int, int] | None:
        """The part (its shard) holding ``uscc`` and the row in it, or None."""
        last = self._last_found  # a grade is read with the subject's name: search once for both
        if last[0] == uscc:
            return last[1]
        self._lookups += 1  # racy across threads, and need not be exact
        if self.resident_mb and self._lookups % _CHECK_EVERY == 0:
            self._bound_resident()
        part = shard_of(uscc, self._shards) if self._shards > 1 else 0
        key = uscc.encode()
        keys = self._keys[part]
        i = int(keys.searchsorted(key))  # the method: np.searchsorted's wrapper doubles the cost
        found = (part, i) if i < len(keys) and keys[i] == key else None
        self._last_found = (uscc, found)  # one tuple, swapped whole: safe across threads
        return found

    def standing(self, uscc: str) -> list[dict[str, Any]]:
        part = shard_of(uscc, self._shards) if len(self._standing) > 1 else 0
        keys, key = self._standing_keys[part], uscc.encode()
        lo = int(keys.searchsorted(key, side="left"))
        hi = int(keys.searchsorted(key, side="right"))
        return self._standing[part].slice(lo, hi - lo).to_pylist()

    @functools.cached_property
    def list_entries(self) -> list[dict[str, Any]]:
        """Every list entry of the snapshot with its subject's name, region and domains."""
        standing = self.tables["standing"]
        entries = standing.filter(pc.equal(standing.column("record_table"), "list_entries"))
        columns = ["uscc", "name", "region_code", "domains"]
        # pandas writes large_string, DuckDB string, categories are dictionaries: one type for
        # the join key and the rest.
        subjects = (
            self.tables["subjects"]
            .select(columns)
            .cast(pa.schema([(c, pa.string()) for c in columns]))
        )
        entries = entries.cast(entries.schema.set(0, pa.field("uscc", pa.string())))
        return entries.join(subjects, "uscc").sort_by("uscc").to_pylist()

    def _check_aligned(self, parts: dict[str, list[pa.Table]]) -> None:
        """Per shard, the per-subject tables hold the same subjects in the same order: compared
        whole in a format-1 snapshot (in memory anyway), by row count and first and last key in
        a memory-mapped one (every key: :func:`verify_snapshot`)."""
        for name in ("explanations", "subjects"):
            if len(parts[name]) != len(self._keys):
                raise SnapshotNotFound(f"{self.directory}: {name} is not aligned with grades")
            for keys, part in zip(self._keys, parts[name], strict=True):
                other = part.column("uscc")
                if self.manifest.format_version == 1:
                    same = np.array_equal(_keys(other), keys)
                else:
                    same = len(other) == len(keys) and (
                        not len(keys) or (_key(other, 0) == keys[0] and _key(other, -1) == keys[-1])
                    )
                if not same:
                    raise SnapshotNotFound(f"{self.directory}: {name} is not aligned with grades")


def read_part(
    directory: Path, part: PartFile, format_version: int = 2, *, verify: bool = True,
    mappings: list[mmap.mmap] | None = None,
) -> pa.Table:  # fmt: skip
    """One part of a snapshot: memory-mapped (format 2; the mapping appended to ``mappings``)
    or read whole (format 1, Parquet), refused unless it is the file its manifest describes."""
    path = Path(directory) / part.file
    damaged = SnapshotNotFound(f"{path}: missing or not the file its manifest describes")
    if not path.is_file() or (part.bytes is not None and path.stat().st_size != part.bytes):
        raise damaged
    if verify and file_sha256(path) != part.sha256:
        raise damaged
    try:
        if format_version == 1:
            table = pq.read_table(path)
        else:
            with open(path, "rb") as handle:  # the mapping outlives the descriptor
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            # Zero-copy: the table's buffers point into the mapping and keep it alive.
            table = pa.ipc.open_file(pa.py_buffer(mapped)).read_all()
            if mappings is not None:
                mappings.append(mapped)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise SnapshotNotFound(f"{path}: not readable ({error})") from None
    if table.num_rows != part.rows:
        raise damaged
    return table


def _concatenated(directory: Path, name: str, parts: list[pa.Table]) -> pa.Table:
    try:
        return pa.concat_tables(parts) if len(parts) != 1 else parts[0]
    except pa.ArrowInvalid as error:
        raise SnapshotNotFound(f"{directory}: the parts of {name} differ ({error})") from None


def _readers(table: pa.Table, categories: frozenset[str]) -> dict[str, Reader]:
    return {c: column_reader(_one_chunk(table.column(c)), category=c in categories)
            for c in table.column_names}  # fmt: skip


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _keys(column: pa.ChunkedArray) -> np.ndarray:
    """The USCCs as fixed-width bytes, which sort and compare like the USCC strings (ASCII):
    a view of the Arrow data buffer when every code is 18 bytes (the offsets 18·i), else a
    copy (a format-1 snapshot's, a hand-made one's)."""
    array = _one_chunk(column)
    if len(array) and array.null_count == 0 and pa.types.is_string(array.type):
        offsets = np.frombuffer(array.buffers()[1], np.int32, count=2, offset=4 * array.offset)
        end = np.frombuffer(array.buffers()[1], np.int32, count=1,
                            offset=4 * (array.offset + len(array)))  # fmt: skip
        # Offsets only grow, so a first width of 18 and a total of 18 per row mean every USCC
        # has 18 bytes unless the file is damaged, which the SHA-256 check catches.
        if offsets[1] - offsets[0] == 18 and end[0] - offsets[0] == 18 * len(array):
            return np.frombuffer(array.buffers()[2], "S18", count=len(array),
                                 offset=int(offsets[0]))  # fmt: skip
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype="S18")


def _key(column: pa.ChunkedArray, i: int) -> bytes:
    return str(column[i].as_py()).encode()


def read_subject_row(directory: Path, manifest: Manifest, table: str, uscc: str,
                     columns: list[str]) -> dict[str, Any] | None:  # fmt: skip
    """One subject's row of a per-subject table of a published snapshot, without opening the
    rest of it (the part of its shard, memory-mapped; a format-1 file by its row groups)."""
    parts = manifest.tables[table].parts
    if manifest.format_version == 1:
        rows = pq.read_table(Path(directory) / parts[0].file, columns=columns,
                             filters=[("uscc", "=", uscc)]).to_pylist()  # fmt: skip
        return rows[0] if rows else None
    part = parts[shard_of(uscc, manifest.shards) if len(parts) > 1 else 0]
    data = read_part(directory, part, verify=False)
    keys = _keys(data.column("uscc"))
    i = int(keys.searchsorted(uscc.encode()))
    if i == len(keys) or keys[i] != uscc.encode():
        return None
    return plain(data.select(columns).slice(i, 1)).to_pylist()[0]


def mapped_file_mb() -> float:
    """The file pages this process has mapped and resident (``RssFile``, Linux), in MB: the
    snapshot's pages and the shared libraries'; 0 where /proc does not say."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^RssFile:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def plain(table: pa.Table) -> pa.Table:
    """``table`` with its dictionary-encoded columns (a snapshot's categories) decoded: what a
    reader that turns a whole table into pandas wants (pandas would make them Categoricals)."""
    schema = pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type)
                        else f for f in table.schema])  # fmt: skip
    return table if schema.equals(table.schema) else table.cast(schema)


def verify_snapshot(directory: Path) -> Manifest:
    """Check every byte of the snapshot in ``directory``: each part's SHA-256, every key of the
    per-subject parts equal across them, sorted and in its part's shard. Raises
    :class:`SnapshotNotFound` naming what is wrong; reads the whole snapshot."""
    snapshot = Snapshot(directory, verify=True)
    manifest = snapshot.manifest
    for name in ("explanations", "subjects"):
        for keys, part in zip(snapshot._keys, manifest.tables[name].parts, strict=True):
            table = read_part(directory, part, manifest.format_version, verify=False)
            if not np.array_equal(_keys(table.column("uscc")), keys):
                raise SnapshotNotFound(f"{directory / part.file} is not aligned with grades")
    for name in ("grades", "standing"):
        for part in manifest.tables[name].parts:
            table = read_part(directory, part, manifest.format_version, verify=False)
            keys = _keys(table.column("uscc"))
            if np.any(keys[1:] < keys[:-1]) or (name == "grades" and np.any(keys[1:] == keys[:-1])):
                raise SnapshotNotFound(f"{directory / part.file}: not sorted by USCC")
            if part.shard is not None and np.any(
                shards_of(table.column("uscc").to_pylist(), manifest.shards) != part.shard
            ):
                raise SnapshotNotFound(f"{directory / part.file}: a subject of another shard")
    return manifest


@dataclass(frozen=True)
class Served:
    """A snapshot with the regrades newer than it: what one request reads, start to finish."""

    snapshot: Snapshot
    regrades: Mapping[str, Regraded] = field(default_factory=dict)

    @classmethod
    def of(cls, snapshot: Snapshot, regrades: Iterable[Regraded]) -> Served:
        cutoff = snapshot.manifest.store_read_at.replace(tzinfo=dt.UTC)  # a manifest's is UTC
        return cls(snapshot, {r.uscc: r for r in regrades if r.regraded_at > cutoff})

    @property
    def snapshot_id(self) -> str:
        return self.snapshot.snapshot_id

    def grade(self, uscc: str) -> ServedGrade:
        return ServedGrade(**self.grade_fields(uscc))

    def grade_fields(self, uscc: str) -> dict[str, Any]:
        """The fields of :meth:`grade` as a dict: the API's hottest path writes them as JSON."""
        regraded = self.regrades.get(uscc)
        if regraded is not None:
            e = regraded.explanation
            return dict(
                uscc=uscc, grade=e["grade"], score=e["score"], pd=_optional(e["pd"]),
                source=e["source"], overrides=[o["code"] for o in json.loads(e["overrides"])],
                as_of=dt.date.fromisoformat(str(e["as_of"])[:10]),
                policy_version=e["policy_version"], model_version=e["model_version"],
                snapshot_id=self.snapshot_id, regraded_at=regraded.regraded_at,
            )  # fmt: skip
        row = self._row("grades", uscc, _GRADE_FIELDS)
        return dict(
            uscc=uscc, grade=row["grade"], score=row["score"], pd=_optional(row["pd"]),
            source=row["source"], overrides=[c for c in str(row["overrides"]).split(";") if c],
            as_of=self.snapshot.manifest.as_of, policy_version=row["policy_version"],
            model_version=row["model_version"], snapshot_id=self.snapshot_id, regraded_at=None,
        )  # fmt: skip

    def explanation(self, uscc: str) -> Explanation:
        return explanation_from_row(self.explanation_row(uscc))

    def explanation_row(self, uscc: str) -> dict[str, Any]:
        """The subject's row of ``explanation_table``: scalars, and the lists as JSON text."""
        regraded = self.regrades.get(uscc)
        return regraded.explanation if regraded else self._row("explanations", uscc)

    def subject(self, uscc: str, columns: Iterable[str] | None = None) -> dict[str, Any]:
        return self._row("subjects", uscc, columns)

    def standing(self, uscc: str) -> list[dict[str, Any]]:
        regraded = self.regrades.get(uscc)
        return regraded.standing if regraded else self.snapshot.standing(uscc)

    def regraded_at(self, uscc: str) -> dt.datetime | None:
        regraded = self.regrades.get(uscc)
        return regraded.regraded_at if regraded else None

    def _row(self, table: str, uscc: str, columns: Iterable[str] | None = None) -> dict[str, Any]:
        row = self.snapshot.row(table, uscc, columns)
        if row is None:
            hint = ""
            if uscc_status(uscc) is IdStatus.CHECKSUM_MISMATCH:
                hint = f" (its check character should be {uscc_check_char(uscc[:17])}: a typo?)"
            raise SubjectNotFound(f"no subject {uscc} in snapshot {self.snapshot_id}{hint}")
        return row


def _optional(value: Any) -> float | None:
    return None if value is None or value != value else float(value)  # NaN is missing


class SnapshotHolder:
    """The current :class:`Served`, replaced whole: by a new snapshot or by new regrades."""

    def __init__(self, root: Path, *, verify: bool = True, resident_mb: int = 0) -> None:
        self.root = Path(root)
        self.verify = verify
        self.resident_mb = resident_mb
        self._state: Served | None = None
        self._regrades: dict[str, Regraded] = {}
        self._last_regrade_id = 0
        self._refused: str | None = None  # a damaged snapshot, not read again every poll
        self._lock = threading.Lock()

    @property
    def state(self) -> Served | None:
        return self._state

    @property
    def last_regrade_id(self) -> int:
        """The newest regrade seen: the next poll of the workflow database starts after it."""
        return self._last_regrade_id

    def refresh(self) -> bool:
        """Load the snapshot ``CURRENT`` names if it is not the one served; True if swapped."""
        wanted = current_snapshot_id(self.root)
        current = self._state
        if wanted is None or wanted == self._refused:
            return False
        if current is not None and current.snapshot_id == wanted:
            return False
        try:
            # Readers keep the old one meanwhile.
            snapshot = Snapshot(
                self.root / wanted, verify=self.verify, resident_mb=self.resident_mb
            )
        except SnapshotNotFound:
            self._refused = wanted
            raise
        with self._lock:
            self._state = Served.of(snapshot, self._regrades.values())
            # Regrades the new snapshot already reflects are dropped for good.
            self._regrades = dict(self._state.regrades)
        return True

    def add_regrades(self, entries: Iterable[Regraded]) -> None:
        """Serve these regrades (newest per subject wins) over the current snapshot."""
        with self._lock:
            for entry in sorted(entries, key=lambda e: e.id):
                known = self._regrades.get(entry.uscc)
                if known is None or entry.id > known.id:
                    self._regrades[entry.uscc] = entry
                self._last_regrade_id = max(self._last_regrade_id, entry.id)
            if self._state is not None:
                self._state = Served.of(self._state.snapshot, self._regrades.values())
