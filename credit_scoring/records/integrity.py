"""Is the records store whole? What ``credit-scoring store verify`` checks.

Opening a store already refuses a file cut short or with a damaged header
(:class:`~credit_scoring.errors.StoreDamaged`). Verifying goes further: every column of every
table is read once, so DuckDB checks the checksum of every data block; the tables and columns
must be those of a store made by this program at its schema version; and the rows of every
record table must add up to what the ingest log says each run wrote — rows lost or added behind
the library's back show up there even when every block is sound. Indexes are not read (DuckDB
rebuilds an index it cannot read when asked to, and an unreadable one fails with the same one-line
error on first use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from credit_scoring.records.store import SCHEMA_VERSION, Store, damage, quote

__all__ = ["StoreCheck", "verify_store"]

_SHOWN = 5  # per table, the mismatching ingest runs named; the rest counted


@dataclass(frozen=True)
class StoreCheck:
    """What :func:`verify_store` found; ``problems`` empty means the store is whole."""

    path: Path
    bytes: int
    schema_version: int
    tables: dict[str, int]  # rows per table read
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(path: Path | str) -> StoreCheck:
    """Read every block of the store at ``path``, compare its schema with this program's and its
    record tables with the ingest log. Opens the store read-only, so it may run beside the
    service and other readers.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> Store(folder / "credit.duckdb").close()
    >>> verify_store(folder / "credit.duckdb").ok
    True
    """
    path = Path(path)
    with Store(path, read_only=True) as store:
        problems: list[str] = []
        tables = _read_every_table(store, problems)
        problems += _schema_differences(store.con)
        if not problems:  # counts from tables that could not be read would only repeat that
            for name in _record_tables(store.con):
                problems += _against_ingest_log(store.con, name)
        version = store.schema_version
    return StoreCheck(path, path.stat().st_size, version, tables, problems)


def _read_every_table(store: Store, problems: list[str]) -> dict[str, int]:
    tables = {}
    for name in _columns(store.con):
        try:
            # Every column aggregated, so every block of it is read and its checksum checked.
            row = store.con.execute(
                f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {quote(name)}"
            ).fetchone()
        except duckdb.Error as error:
            found = damage(store.path, error)
            if found is None:
                raise
            problems.append(f"table {name}: unreadable ({str(error).splitlines()[0]})")
            continue
        tables[name] = int(row[0]) if row else 0
    return tables


def _schema_differences(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables and columns a store of this program's schema version has, against these."""
    with Store(":memory:") as fresh:
        expected = _columns(fresh.con)
    found = _columns(con)
    problems = [f"table {name}: missing (expected at schema version {SCHEMA_VERSION})"
                for name in expected if name not in found]  # fmt: skip
    problems += [f"table {name}: not part of the schema" for name in found if name not in expected]
    problems += [
        f"table {name}: columns differ from schema version {SCHEMA_VERSION}"
        for name in expected
        if name in found and found[name] != expected[name]
    ]
    return problems


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        """SELECT table_name, column_name, data_type FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name = 'main'
           ORDER BY table_name, column_index"""
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        tables.setdefault(table, []).append((column, kind))
    return tables


def _record_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of records, ingested or written by workflows: each has a ``_history`` twin
    and says which run wrote each version."""
    columns = _columns(con)
    return [name for name, found in columns.items()
            if f"{name}_history" in columns and ("_run_id", "VARCHAR") in found]  # fmt: skip


def _against_ingest_log(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Each ingest run wrote ``accepted + updated`` versions of records, which stay in the table
    or, once replaced, in its history; the current rows are the accepted ones (and, in
    ``record_events``, the events workflows appended, run ``workflow``). A workflow that writes
    a record logs its write as a run of its own (:mod:`credit_scoring.records.revisions`)."""
    logged = dict(
        con.execute(
            "SELECT run_id, accepted + updated FROM ingest_runs WHERE table_name = ?", [table]
        ).fetchall()
    )
    stored = dict(
        con.execute(
            f"""SELECT _run_id, count(*) FROM (
                    SELECT _run_id FROM {quote(table)}
                    UNION ALL SELECT _run_id FROM {quote(table + "_history")})
                GROUP BY _run_id"""
        ).fetchall()
    )
    stored.pop("workflow", None)
    wrong = sorted(r for r in logged.keys() | stored.keys() if logged.get(r) != stored.get(r))
    problems = [f"{table}: ingest run {run} wrote {logged.get(run, 0):,} rows; the store holds "
                f"{stored.get(run, 0):,} of them" for run in wrong[:_SHOWN]]  # fmt: skip
    if len(wrong) > _SHOWN:
        problems.append(f"{table}: {len(wrong) - _SHOWN} more ingest runs do not match")
    row = con.execute(
        f"""SELECT (SELECT count(*) FROM {quote(table)} WHERE _run_id <> 'workflow'),
                   (SELECT coalesce(sum(accepted), 0) FROM ingest_runs WHERE table_name = ?)""",
        [table],
    ).fetchone()
    if row and row[0] != row[1]:
        problems.append(f"{table}: {row[0]:,} current rows; the ingest log accounts for "
                        f"{row[1]:,}")  # fmt: skip
    return problems
