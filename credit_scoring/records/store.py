"""The records store: one embedded DuckDB file, its schema, its version and its migrations.

This module is the only one that creates or alters tables. Each contract table is kept twice:
``<table>`` holds the current version of every record and ``<table>_history`` every version an
update replaced, so history is never overwritten. Ingest runs and the issues they found (rejected
and flagged rows, with the row's original text) are kept in ``ingest_runs`` and
``ingest_issues``; inspection plans in ``plans``, ``plan_frame``, ``plan_items`` and
``plan_inspectors``.

Examples
--------
>>> import tempfile, pathlib
>>> with Store(pathlib.Path(tempfile.mkdtemp()) / "credit.duckdb") as store:
...     store.schema_version == SCHEMA_VERSION
True
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa

from credit_scoring.errors import SchemaVersionError, StoreBusy, StoreDamaged, StoreNotFound
from credit_scoring.records.contract import TABLES, Table

__all__ = ["SCHEMA_VERSION", "Store", "damage", "quote"]

# Columns every stored record carries besides its contract columns.
RECORD_META = (
    ("_row", "BIGINT"),  # row number in the file it came from
    ("_source", "VARCHAR"),  # that file
    ("_run_id", "VARCHAR"),  # the ingest run that wrote this version
    ("_flags", "VARCHAR[]"),  # e.g. ID_CHECKSUM_MISMATCH
    ("_row_hash", "VARCHAR"),  # md5 of the contract columns: tells an update from a duplicate
    ("_version", "INTEGER"),  # 1 for the first version of a record
    ("_ingested_at", "TIMESTAMP"),
)
HISTORY_META = (("_superseded_at", "TIMESTAMP"), ("_superseded_by_run", "VARCHAR"))
# DuckDB's main header and its two database headers come before block 0.
_HEADER_BYTES = 3 * 4096
# What DuckDB says when a file is cut short or a block fails its checksum.
_DAMAGE = ("Corrupt database file", "Could not read enough bytes", "not a valid DuckDB database")


def quote(identifier: str) -> str:
    """Quote a column or table name (``table`` is a column of record_events and a keyword)."""
    return '"' + identifier.replace('"', '""') + '"'


def _record_columns(table: Table) -> list[tuple[str, str]]:
    return [(c.name, c.kind.sql_type) for c in table.columns] + list(RECORD_META)


def _create_table(
    con: duckdb.DuckDBPyConnection, name: str, columns: list[tuple[str, str]]
) -> None:
    body = ", ".join(f"{quote(n)} {t}" for n, t in columns)
    con.execute(f"CREATE TABLE {quote(name)} ({body})")


def _migrate_to_1(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1: the contract tables, their histories, ingest runs and issues."""
    for table in TABLES.values():
        _create_table(con, table.name, _record_columns(table))
        _create_table(con, f"{table.name}_history", _record_columns(table) + list(HISTORY_META))
    con.execute(
        """CREATE TABLE ingest_runs (
            run_id VARCHAR PRIMARY KEY, table_name VARCHAR, file VARCHAR, file_sha256 VARCHAR,
            format VARCHAR, encoding VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
            rows_read BIGINT, accepted BIGINT, updated BIGINT, duplicate BIGINT, rejected BIGINT,
            flagged BIGINT, unknown_columns VARCHAR[], rejects_file VARCHAR)"""
    )
    con.execute(
        """CREATE TABLE ingest_issues (
            run_id VARCHAR, table_name VARCHAR, file VARCHAR, row_number BIGINT,
            column_name VARCHAR, value VARCHAR, action VARCHAR, reason_code VARCHAR,
            reason_zh VARCHAR, reason_en VARCHAR, raw_row VARCHAR)"""
    )


def _migrate_to_2(con: duckdb.DuckDBPyConnection) -> None:
    """Version 2: indexes for one subject's rows (the on-demand path reads them by ``uscc``).

    A point lookup in a million-subject table drops from a scan of tens of milliseconds to under
    one; the batch engine scans whole tables and ignores them.
    """
    for table in TABLES.values():
        if "uscc" in table.column_names:
            con.execute(f"CREATE INDEX {quote(table.name + '_uscc')} ON {quote(table.name)} (uscc)")
    con.execute("CREATE INDEX record_events_record_id ON record_events (record_id)")


def _migrate_to_3(con: duckdb.DuckDBPyConnection) -> None:
    """Version 3: inspection plans (issue 6), each with the frame it was drawn from.

    ``plan_frame`` holds every eligible subject with the grade and risk the plan used and its
    exact probabilities, so a plan can be verified and evaluated long after the grades change;
    ``plan_inspectors`` the inspector pool and recusal inputs as they were.
    """
    con.execute(
        """CREATE TABLE plans (
            plan_id VARCHAR PRIMARY KEY, created_at TIMESTAMP, as_of DATE, seed BIGINT,
            commitment VARCHAR, design VARCHAR, budget BIGINT, policy_version VARCHAR,
            grades_version VARCHAR, parameters VARCHAR, excluded VARCHAR)"""
    )
    con.execute(
        """CREATE TABLE plan_frame (
            plan_id VARCHAR, position BIGINT, uscc VARCHAR, stratum VARCHAR, grade VARCHAR,
            risk DOUBLE, department VARCHAR, region_code VARCHAR, last_inspectors VARCHAR,
            stratum_prob DOUBLE, exploration_prob DOUBLE, inclusion_prob DOUBLE,
            selected BOOLEAN, explored BOOLEAN)"""
    )
    con.execute(
        """CREATE TABLE plan_items (
            plan_id VARCHAR, uscc VARCHAR, name VARCHAR, grade VARCHAR, stratum VARCHAR,
            department VARCHAR, region_code VARCHAR, inclusion_prob DOUBLE,
            random_sample BOOLEAN, exploration BOOLEAN, inspectors VARCHAR, assignment VARCHAR)"""
    )
    con.execute(
        """CREATE TABLE plan_inspectors (
            plan_id VARCHAR, inspector_id VARCHAR, name VARCHAR, department VARCHAR,
            region VARCHAR, conflicts VARCHAR, active BOOLEAN)"""
    )


def _migrate_to_4(con: duckdb.DuckDBPyConnection) -> None:
    """Version 4: what the store remembers about itself, e.g. where its models are tracked.

    A store trained with ``--mlruns M`` grades with M's champion from then on, whatever folder
    a later command runs in (issue 12: commands fell back to the rules silently).
    """
    con.execute("CREATE TABLE store_settings (key VARCHAR PRIMARY KEY, value VARCHAR)")


def _migrate_to_5(con: duckdb.DuckDBPyConnection) -> None:
    """Version 5: what a clerk needs on a plan (issue 13) — the subject's address and domains
    (whose 抽查事项 apply), the date a mandated inspection is due, the inspectors' names.

    Plans drawn before are filled in from the subjects and the plan's own inspector pool.
    """
    for column, kind in (("address", "VARCHAR"), ("domains", "VARCHAR"), ("due_by", "DATE"),
                         ("inspector_names", "VARCHAR")):  # fmt: skip
        con.execute(f"ALTER TABLE plan_items ADD COLUMN {column} {kind}")
    con.execute(
        """UPDATE plan_items SET address = s.address, domains = array_to_string(s.domains, ';')
           FROM subjects AS s WHERE s.uscc = plan_items.uscc"""
    )
    con.execute(
        """UPDATE plan_items SET inspector_names = named.names
           FROM (SELECT i.plan_id, i.uscc,
                        string_agg(p.name, ';' ORDER BY k.position) AS names
                 FROM plan_items AS i,
                      unnest(string_split(i.inspectors, ';')) WITH ORDINALITY AS k(id, position)
                 JOIN plan_inspectors AS p ON p.plan_id = i.plan_id AND p.inspector_id = k.id
                 GROUP BY i.plan_id, i.uscc) AS named
           WHERE named.plan_id = plan_items.plan_id AND named.uscc = plan_items.uscc"""
    )


def _migrate_to_6(con: duckdb.DuckDBPyConnection) -> None:
    """Version 6: warning interviews (约谈, issue 16), a record a workflow writes into the
    subject's credit record (``contract.WORKFLOW_TABLES``), current and history like the others."""
    columns = [("record_id", "VARCHAR"), ("uscc", "VARCHAR"), ("interview_type", "VARCHAR"),
               ("interview_date", "DATE"), ("department", "VARCHAR"), ("reason", "VARCHAR"),
               ("rectification", "VARCHAR"), ("rectify_by", "DATE"), ("rectified_date", "DATE"),
               ("interviewers", "VARCHAR"), *RECORD_META]  # fmt: skip
    _create_table(con, "interviews", columns)
    _create_table(con, "interviews_history", columns + list(HISTORY_META))
    con.execute("CREATE INDEX interviews_uscc ON interviews (uscc)")


# _MIGRATIONS[i] takes a store from version i to version i + 1. Append, never edit.
_MIGRATIONS: tuple[Callable[[duckdb.DuckDBPyConnection], None], ...] = (
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
    _migrate_to_4,
    _migrate_to_5,
    _migrate_to_6,
)
SCHEMA_VERSION = len(_MIGRATIONS)


class Store:
    """An open records store; created and migrated to :data:`SCHEMA_VERSION` on first use."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreNotFound(
                f"{self.path} is a directory, not a records store file; a sharded store "
                "(credit-scoring shard) is read by the batch commands (--db DIR), while the "
                "service and the review workflows write to a single store file"
            )
        if read_only and not self.path.is_file():
            raise StoreNotFound(
                f"{self.path}: no records store here; create it by ingesting subjects "
                f"(credit-scoring ingest subjects FILE --db {self.path})"
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as error:
            raise damage(self.path, error) or StoreBusy(
                f"{self.path}: the records store cannot be opened now ({error}); another "
                "process may be writing to it; retry shortly"
            ) from None
        try:
            self._check_length()
            # The library reports its own progress; DuckDB's bar would print into output.
            with contextlib.suppress(duckdb.InvalidInputException):  # Jupyter, no ipywidgets
                self.con.execute("SET enable_progress_bar = false")
            # Every query that needs an order says ORDER BY; without the guarantee DuckDB
            # inserts a million ingested rows a third faster.
            self.con.execute("SET preserve_insertion_order = false")
            self._migrate(read_only)
        except (duckdb.Error, StoreDamaged) as error:
            self.con.close()
            raise damage(self.path, error) or error from None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
        # A block read inside the ``with`` failed its checksum: one error naming the file.
        if error is not None and (damaged := damage(self.path, error)) is not None:
            raise damaged from None

    def close(self) -> None:
        self.con.close()

    @property
    def schema_version(self) -> int:
        row = self.con.execute("SELECT max(version) FROM schema_meta").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: any exception, Ctrl-C included, rolls every statement back."""
        self.con.begin()
        try:
            yield self.con
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    @property
    def registry(self) -> Path | None:
        """The MLflow tracking folder this store was last trained with, if any."""
        row = self.con.execute("SELECT value FROM store_settings WHERE key = 'registry'").fetchone()
        return Path(row[0]) if row else None

    def remember_registry(self, root: Path) -> None:
        """Record ``root`` (absolute) as where this store's models are tracked."""
        with self.transaction() as con:
            con.execute(
                "INSERT OR REPLACE INTO store_settings VALUES ('registry', ?)",
                [str(Path(root).resolve())],
            )

    def count(self, table: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()
        return int(row[0]) if row else 0

    def read(self, table: str) -> pa.Table:
        """Every current row of ``table`` as an Arrow table."""
        return self.con.execute(f"SELECT * FROM {quote(table)}").to_arrow_table()

    def add_event(
        self, table: str, record_id: str, event_type: str, day: dt.date, actor: str, note: str
    ) -> None:
        """Append one lifecycle event (objection, repair decision) written by a workflow.

        Identical to an ingested ``record_events`` row, so features treat both alike.
        """
        with self.transaction() as con:
            con.execute(
                """INSERT INTO record_events VALUES
                (?, ?, ?, ?, ?, ?, 0, 'workflow', 'workflow', NULL,
                 md5(concat_ws(chr(31), ?, ?, ?, ?)), 1, now())""",
                [record_id, table, event_type, day, actor, note, record_id, table, event_type, day],
            )

    def _check_length(self) -> None:
        """A file too short for the blocks its header says are in use was cut short (a copy
        interrupted, a full disk): DuckDB would open it and fail only on reading a missing block.

        A lower bound, cheap enough for every opening: free blocks at the end may never have
        been written, and a used block missing among free ones is found on reading it (one
        line, see :meth:`__exit__`) or by ``store verify``.
        """
        if not self.path.is_file():
            return
        row = self.con.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size() "
            "WHERE database_name = current_database()"
        ).fetchone()
        needed = _HEADER_BYTES + (int(row[0]) * int(row[1]) if row else 0)
        length = self.path.stat().st_size
        if length < needed:
            raise _damaged(self.path, f"cut short: {length:,} bytes, its blocks in use need "
                                      f"{needed:,}")  # fmt: skip

    def _migrate(self, read_only: bool) -> None:
        if not read_only:
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS schema_meta (version INTEGER, migrated_at TIMESTAMP)"
            )
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path}: schema version {version} is newer than this program's "
                f"({SCHEMA_VERSION}); upgrade credit-scoring"
            )
        if read_only and version < SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path}: schema version {version} needs a migration to "
                f"{SCHEMA_VERSION}: credit-scoring store migrate --db {self.path}"
            )
        for step in range(version, SCHEMA_VERSION):
            with self.transaction() as con:
                _MIGRATIONS[step](con)
                con.execute("INSERT INTO schema_meta VALUES (?, now())", [step + 1])


def damage(path: Path, error: BaseException) -> StoreDamaged | None:
    """The :class:`StoreDamaged` that names ``path`` and what to do, if ``error`` is DuckDB
    saying the file is damaged; None for any other error."""
    if isinstance(error, StoreDamaged):
        return error
    if not isinstance(error, duckdb.Error):
        return None
    reason = (str(error).removeprefix("IO Error: ").splitlines() or [""])[0]
    return _damaged(path, reason) if any(sign in reason for sign in _DAMAGE) else None


def _damaged(path: Path, reason: str) -> StoreDamaged:
    return StoreDamaged(
        f"{path}: the records store is damaged ({reason}); check it with `credit-scoring store "
        f"verify --db {path}` and restore it from a backup (`credit-scoring restore DIR`)"
    )
