"""Copying each of the four parts out of its place and back: the store, the workflow database,
the snapshots and the MLflow registry.

Each copy is consistent by the part's own means. The store is copied while it is open read-only,
which DuckDB's file lock makes exclusive of every writer. The workflow database goes out through
SQLite's online backup (one read transaction) or, from PostgreSQL, table by table inside one
REPEATABLE READ transaction, into a SQLite file either way; it comes back row by row into a
database ``connect`` has just created, so a backup taken on one dialect restores on the other,
and the audit chain, which hashes values rather than bytes, verifies the same. Snapshots and the
registry's artifacts are immutable once written and are copied as files; the registry's
``mlflow.db`` through SQLite's backup. MLflow keeps absolute artifact paths, so a registry
restored elsewhere has them rewritten to its new place.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, delete, func, inspect, select, text

from credit_scoring.records.store import Store
from credit_scoring.snapshots.publish import POINTER, current_snapshot_id, published_snapshots
from credit_scoring.workflows.database import AuditChainHead, Base, connect

__all__ = [
    "copy_registry",
    "copy_snapshots",
    "copy_store",
    "dump_workflow",
    "load_workflow",
    "relocate_registry",
    "sqlite_path",
    "workflow_rows",
]

_BATCH = 5000
_TEXT = ("CHAR", "TEXT", "CLOB")  # SQLite's text affinity


def copy_store(store: Store, into: Path) -> list[Path]:
    """Copy the open store's file (and its write-ahead log, if a writer left one) to ``into``;
    call it while ``store`` is open, so no writer can change the file under the copy."""
    into.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(store.path, into)
    copied = [into]
    wal = store.path.with_name(store.path.name + ".wal")
    if wal.is_file():
        shutil.copyfile(wal, into.with_name(into.name + ".wal"))
        copied.append(into.with_name(into.name + ".wal"))
    return copied


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def dump_workflow(url: str, into: Path) -> None:
    """The workflow database at ``url`` as one SQLite file ``into``, consistent as of one moment."""
    engine = connect(url)  # brought to this program's schema, as the service does on start
    into.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite_path(url)
    if source is not None:
        engine.dispose()
        _sqlite_backup(source, into)
        return
    target = create_engine(f"sqlite:///{into}")
    Base.metadata.create_all(target)
    with engine.connect() as reading, target.begin() as writing:
        reading = reading.execution_options(isolation_level="REPEATABLE READ")
        with reading.begin():
            for table in Base.metadata.sorted_tables:
                for rows in _batches(reading, table.name):
                    writing.execute(table.insert(), rows)
    target.dispose()
    engine.dispose()


def workflow_rows(url: str) -> int:
    """How many rows the workflow tables at ``url`` hold (0 for a database not yet created),
    leaving out the chain head a fresh database starts with."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return 0
    engine = create_engine(url)
    try:
        present = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            count = sum(
                int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
                if table.name in present and table.name != AuditChainHead.__tablename__
            )
            if AuditChainHead.__tablename__ in present:
                count += int(connection.scalar(select(func.sum(AuditChainHead.entries))) or 0)
        return count
    finally:
        engine.dispose()


def load_workflow(dump: Path, url: str) -> None:
    """Insert every row of ``dump`` into the empty workflow database at ``url``, in one
    transaction: its tables, triggers and chain head come from ``connect``, the head's values
    from the dump."""
    engine = connect(url)
    source = create_engine(f"sqlite:///{dump}")
    with source.connect() as reading, engine.begin() as writing:
        writing.execute(delete(AuditChainHead))  # the fresh head, replaced below
        for table in Base.metadata.sorted_tables:
            for rows in _batches(reading, table.name):
                writing.execute(table.insert(), rows)
        if engine.dialect.name == "postgresql":
            _advance_sequences(writing)
    source.dispose()
    engine.dispose()


def _batches(connection: Connection, table: str) -> Iterator[list[dict[str, Any]]]:
    found = inspect(connection)
    if table not in found.get_table_names():
        return
    # A dump from before a column was added lacks it: its rows come back with it null, as
    # connect leaves them in a database it adds the column to.
    present = {column["name"] for column in found.get_columns(table)}
    columns = [c for c in Base.metadata.tables[table].columns if c.name in present]
    result = connection.execute(select(*columns))
    rows = (dict(row) for row in result.mappings())
    while batch := list(islice(rows, _BATCH)):
        yield batch


def _advance_sequences(connection: Connection) -> None:
    """Rows inserted with their ids leave PostgreSQL's sequences behind them."""
    for table in Base.metadata.sorted_tables:
        column = table.c.get("id")
        if column is not None and column.primary_key and column.autoincrement:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            ))  # fmt: skip


def _sqlite_backup(source: Path, into: Path) -> None:
    # SQLite's online backup copies every page inside one read transaction: a consistent copy
    # while other connections keep writing.
    reading = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    writing = sqlite3.connect(into)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def copy_snapshots(root: Path, into: Path) -> str | None:
    """Copy the complete snapshots under ``root`` and its pointer; returns the current id.
    Unfinished staging folders are left out; one pruned during the copy is skipped."""
    current = current_snapshot_id(root)
    into.mkdir(parents=True, exist_ok=True)
    for manifest in published_snapshots(root):
        try:
            shutil.copytree(root / manifest.snapshot_id, into / manifest.snapshot_id)
        except (FileNotFoundError, shutil.Error):
            if manifest.snapshot_id == current:
                raise
            shutil.rmtree(into / manifest.snapshot_id, ignore_errors=True)
    if current is not None:
        (into / POINTER).write_text(f"{current}\n", encoding="utf-8")
    return current


def copy_registry(root: Path, into: Path) -> None:
    """Copy an MLflow registry folder: ``mlflow.db`` by SQLite's backup, the rest as files."""
    into.mkdir(parents=True, exist_ok=True)
    database = root / "mlflow.db"
    if database.is_file():
        _sqlite_backup(database, into / "mlflow.db")
    for item in root.iterdir():
        if item.name == "mlflow.db":
            continue
        if item.is_dir():
            shutil.copytree(item, into / item.name)
        elif item.is_file():
            shutil.copyfile(item, into / item.name)


def relocate_registry(root: Path, was: str) -> int:
    """Point a restored registry's artifact paths (absolute in ``mlflow.db``) from ``was`` to
    ``root``; returns how many values changed."""
    database = root / "mlflow.db"
    if not database.is_file():
        return 0
    pairs = [(Path(was).as_uri(), root.resolve().as_uri()), (was, str(root.resolve()))]
    changed = 0
    with sqlite3.connect(database) as connection:
        tables = [r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]  # fmt: skip
        for table in tables:
            columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{table}")')
                       if any(k in str(c[2]).upper() for k in _TEXT)]  # fmt: skip
            for column in columns:
                for old, new in pairs:
                    changed += connection.execute(
                        f'UPDATE "{table}" SET "{column}" = ? || substr("{column}", ?) '
                        f'WHERE "{column}" = ? OR substr("{column}", 1, ?) = ?',
                        [new, len(old) + 1, old, len(old) + 1, old + "/"],
                    ).rowcount
    return changed
