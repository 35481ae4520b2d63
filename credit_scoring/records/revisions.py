"""Records a workflow writes into the store, written the way an ingested file writes them.

A workflow that establishes a fact about a record — a commitment verified as breached, an
interview held and its rectification — changes the store exactly as an ingested correction
would: the version it replaces moves to ``<table>_history``, the new version carries the next
``_version`` and a content hash computed like ingestion's, and the change is logged in
``ingest_runs`` as a run of one row (format ``workflow``, its file naming the workflow and who
acted). So features read the record as of its own dates, history is never overwritten, and
``credit-scoring store verify`` accounts for every version like any other.

Examples
--------
>>> import tempfile, pathlib, datetime as dt
>>> from credit_scoring.records.contract import WORKFLOW_TABLES
>>> from credit_scoring.records.store import Store
>>> with Store(pathlib.Path(tempfile.mkdtemp()) / "credit.duckdb") as store:
...     row = {"record_id": "YT1", "uscc": "91350200776049653A", "interview_type": "prompt",
...            "interview_date": dt.date(2026, 10, 9), "department": "城管局"}
...     write_record(store, WORKFLOW_TABLES["interviews"], row, source="workflow:doctest").version
1
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credit_scoring.errors import RecordNotFound
from credit_scoring.records.contract import Table
from credit_scoring.records.store import Store, quote

__all__ = ["Revision", "current_record", "write_record"]


@dataclass(frozen=True)
class Revision:
    """What one workflow write did: the run that logged it and the version it wrote
    (0: the row was already stored as given, nothing written)."""

    run_id: str
    version: int


def current_record(store: Store, table: Table, record_id: str) -> dict[str, Any]:
    """The current version of ``record_id`` (contract columns only); ``RecordNotFound`` if none."""
    columns = ", ".join(quote(c) for c in table.column_names)
    cursor = store.con.execute(
        f"SELECT {columns} FROM {quote(table.name)} WHERE record_id = ?", [record_id]
    )
    row = cursor.fetchone()
    if row is None:
        raise RecordNotFound(f"no record {record_id!r} in {table.name}")
    return dict(zip(table.column_names, row, strict=True))


def write_record(store: Store, table: Table, row: Mapping[str, Any], *, source: str) -> Revision:
    """Insert ``row`` as a new record, or as the next version of the stored one with its key.

    ``row`` holds every contract column of ``table`` that is known (missing ones are NULL);
    ``source`` names the workflow and the actor, e.g. ``workflow:commitment-verification``. All
    or nothing, in one transaction of the store.
    """
    unknown = set(row) - set(table.column_names)
    if unknown:
        raise KeyError(f"{table.name} has no column(s) {sorted(unknown)}")
    run_id = f"{table.name}-{dt.datetime.now():%Y%m%dT%H%M%S}-wf{secrets.token_hex(4)}"
    typed = ", ".join(
        f"CAST(? AS {c.kind.sql_type}) AS {quote(c.name)}" for c in table.columns
    )  # the types the store holds, so the hash below is ingestion's for the same values
    hashed = ", ".join(f"coalesce(CAST({quote(c)} AS VARCHAR), chr(0))" for c in table.column_names)
    key = " AND ".join(f"t.{quote(k)} = w.{quote(k)}" for k in table.key)
    name, history = quote(table.name), quote(table.name + "_history")
    with store.transaction() as con:
        con.execute(
            f"""CREATE TEMP TABLE _written AS SELECT *,
                md5(concat_ws(chr(31), {hashed})) AS _row_hash FROM (SELECT {typed})""",
            [row.get(c) for c in table.column_names],
        )
        found = con.execute(
            f"SELECT t._version, t._row_hash = w._row_hash FROM {name} t, _written w WHERE {key}"
        ).fetchone()
        if found is not None and found[1]:
            con.execute("DROP TABLE _written")
            return Revision(run_id, 0)
        version = int(found[0]) + 1 if found is not None else 1
        con.execute(
            f"INSERT INTO {history} SELECT t.*, now(), ? FROM {name} t, _written w WHERE {key}",
            [run_id],
        )
        con.execute(f"DELETE FROM {name} t USING _written w WHERE {key}")
        columns = ", ".join(quote(c) for c in table.column_names)
        con.execute(
            f"""INSERT INTO {name} SELECT {columns}, 1, ?, ?, NULL, _row_hash, ?, now()
                FROM _written""",
            [source, run_id, version],
        )
        con.execute("DROP TABLE _written")
        con.execute(
            """INSERT INTO ingest_runs VALUES
               (?, ?, ?, NULL, 'workflow', NULL, now(), now(), 1, ?, ?, 0, 0, 0, [], NULL)""",
            [run_id, table.name, source, int(version == 1), int(version > 1)],
        )
    return Revision(run_id, version)
