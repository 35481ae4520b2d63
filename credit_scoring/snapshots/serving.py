"""The snapshot a service answers from, swapped atomically while it runs.

A :class:`Snapshot` is one published directory loaded into memory as Arrow tables (no Python
object per subject: a million subjects' reasons stay a few large buffers) with a sorted array of
USCCs to find a subject by binary search. A :class:`Served` pairs it with the regrades newer
than it; both are immutable. :class:`SnapshotHolder` owns the one reference to the current
``Served`` and replaces it by a single assignment, so a request that takes ``holder.state`` once
reads one snapshot from start to finish — never half of the old and half of the new — while a
new snapshot loads in the background and the old one is freed when its last reader is done.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
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
from credit_scoring.snapshots._columns import Reader, column_reader
from credit_scoring.snapshots.publish import (
    Manifest,
    current_snapshot_id,
    read_manifest,
)

__all__ = ["Regraded", "Served", "ServedGrade", "Snapshot", "SnapshotHolder"]

_REQUIRED = ("grades", "explanations", "subjects", "standing")
# Columns whose values come from a short list by construction, never judged from the data: grades,
# scorers, versions, override codes, the date, kinds of subject, regions, domains.
_CATEGORIES = {
    "grades": {"grade", "score_grade", "rules_grade", "source", "overrides", "policy_version",
               "model_version"},
    "explanations": {"as_of", "grade", "source", "policy_version", "model_version"},
    "subjects": {"subject_type", "region_code", "status", "domains"},
}  # fmt: skip
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
    """One published snapshot, loaded and checked against its manifest."""

    def __init__(self, directory: Path, *, verify: bool = True) -> None:
        self.directory = Path(directory)
        self.manifest: Manifest = read_manifest(self.directory)
        missing = [name for name in _REQUIRED if name not in self.manifest.tables]
        if missing:
            raise SnapshotNotFound(f"{self.directory}: the manifest lacks {missing}")
        self.tables = {name: self._load(name, verify) for name in self.manifest.tables}
        self._keys = _keys(self.tables["grades"])
        for name in ("explanations", "subjects"):
            if not np.array_equal(_keys(self.tables[name]), self._keys):
                raise SnapshotNotFound(f"{self.directory}: {name} is not aligned with grades")
        self._standing_keys = _keys(self.tables["standing"])
        # A reader per column (_columns.py): a grade's row in ~3 µs, not ~10 µs of Arrow scalars.
        self._last_found: tuple[str | None, int | None] = (None, None)
        self._columns = {name: _readers(self.tables[name], categories)
                         for name, categories in _CATEGORIES.items()}  # fmt: skip

    @property
    def snapshot_id(self) -> str:
        return self.manifest.snapshot_id

    def row(
        self, table: str, uscc: str, columns: Iterable[str] | None = None
    ) -> dict[str, Any] | None:
        """The row of ``table`` (grades, explanations, subjects) for ``uscc``, or some columns."""
        i = self.find(uscc)
        if i is None:
            return None
        readers = self._columns[table]
        return {name: readers[name](i) for name in (columns or readers)}

    def find(self, uscc: str) -> int | None:
        """The row number of ``uscc`` in the per-subject tables (they are aligned), or None."""
        last = self._last_found  # a grade is read with the subject's name: search once for both
        if last[0] == uscc:
            return last[1]
        key = uscc.encode()
        keys = self._keys
        i = int(keys.searchsorted(key))  # the method: np.searchsorted's wrapper doubles the cost
        found = i if i < len(keys) and keys[i] == key else None
        self._last_found = (uscc, found)  # one tuple, swapped whole: safe across threads
        return found

    def standing(self, uscc: str) -> list[dict[str, Any]]:
        key = uscc.encode()
        lo = int(np.searchsorted(self._standing_keys, key, side="left"))
        hi = int(np.searchsorted(self._standing_keys, key, side="right"))
        return self.tables["standing"].slice(lo, hi - lo).to_pylist()

    @functools.cached_property
    def list_entries(self) -> list[dict[str, Any]]:
        """Every list entry of the snapshot with its subject's name, region and domains."""
        standing = self.tables["standing"]
        entries = standing.filter(pc.equal(standing.column("record_table"), "list_entries"))
        columns = ["uscc", "name", "region_code", "domains"]
        # pandas writes large_string, DuckDB string: one type for the join key and the rest.
        subjects = (
            self.tables["subjects"]
            .select(columns)
            .cast(pa.schema([(c, pa.string()) for c in columns]))
        )
        entries = entries.cast(entries.schema.set(0, pa.field("uscc", pa.string())))
        return entries.join(subjects, "uscc").sort_by("uscc").to_pylist()

    def _load(self, name: str, verify: bool) -> pa.Table:
        entry = self.manifest.tables[name]
        path = self.directory / entry.file
        if not path.is_file() or (verify and file_sha256(path) != entry.sha256):
            raise SnapshotNotFound(f"{path}: missing or not the file its manifest describes")
        return pq.read_table(path)


def _readers(table: pa.Table, categories: set[str]) -> dict[str, Reader]:
    return {c: column_reader(table.column(c).combine_chunks(), category=c in categories)
            for c in table.column_names}  # fmt: skip


def _keys(table: pa.Table) -> np.ndarray:
    # Fixed-width bytes sort and compare like the USCC strings (ASCII) and cost 18 bytes each.
    return np.asarray(table.column("uscc").to_numpy(zero_copy_only=False), dtype="S18")


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

    def __init__(self, root: Path, *, verify: bool = True) -> None:
        self.root = Path(root)
        self.verify = verify
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
            snapshot = Snapshot(self.root / wanted, verify=self.verify)  # readers keep the old one
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
