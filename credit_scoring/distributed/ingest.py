"""Ingesting a file into a sharded store: each row goes to the shard of its subject.

The file is read once; its rows are split by the shard of their USCC as validation will read it
(trimmed, upper case), and each shard ingests its rows with :func:`ingest_file` — the same
checks, reasons, history and run log as a single store, with the file's own row numbers, so a
rejected row is named as in the file. A record event goes to the shard holding the record it is
about (shard 0 when no shard does: it is rejected there as about an unknown record); inspectors
go to every shard. Unreadable rows are reported once, by shard 0.

Each shard commits on its own. Should one fail, the shards already written keep the file's
rows; ingesting the same file again is safe (identical rows are duplicates, never stored
twice) and completes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.distributed.engine import Engine, LocalEngine
from credit_scoring.distributed.layout import REFERENCE_TABLES, ShardLayout
from credit_scoring.records.contract import TABLES
from credit_scoring.records.contract import table as contract_table
from credit_scoring.records.ingestion import IngestResult, ingest_file
from credit_scoring.records.reading import RawFile, read_file
from credit_scoring.records.store import Store, quote
from credit_scoring.records.validation import map_headers
from credit_scoring.sharding import shard_sql

__all__ = ["ingest_sharded"]


def ingest_sharded(
    directory: Path,
    table_name: str,
    path: Path,
    *,
    strict: bool = False,
    today: dt.date | None = None,
    rejects_dir: Path | None = None,
    raw: RawFile | None = None,
    engine: Engine | None = None,
) -> list[IngestResult]:
    """Ingest ``path`` into the sharded store at ``directory``; one result per shard written.

    The file is read and split here; the shards ingest their rows on ``engine`` (default: in
    this process), each shard by one task, so no two tasks write one shard.
    """
    layout = ShardLayout.open(directory)
    table = contract_table(table_name)
    raw = raw if raw is not None else read_file(path)
    shards = _shards_of_rows(raw, table_name, layout)
    work = []
    for k, store_path in enumerate(layout.paths):
        rows = np.arange(raw.data.num_rows) if shards is None else np.flatnonzero(shards == k)
        if len(rows) or (k == 0 and raw.unreadable):
            work.append((store_path, _subset(raw, rows, k)))
    return (engine or LocalEngine()).map(
        _ingest_shard, work, table_name=table.name, path=path, strict=strict, today=today,
        rejects_dir=rejects_dir or directory / "rejects",
    )  # fmt: skip


def _ingest_shard(
    work: tuple[Path, RawFile], *, table_name: str, path: Path, strict: bool,
    today: dt.date | None, rejects_dir: Path,
) -> IngestResult:  # fmt: skip
    store_path, raw = work
    with Store(store_path) as store:
        return ingest_file(store, table_name, path, strict=strict, today=today,
                           rejects_dir=rejects_dir, raw=raw)  # fmt: skip


def _shards_of_rows(raw: RawFile, table_name: str, layout: ShardLayout) -> np.ndarray | None:
    """The shard of each row of ``raw``; None when every shard takes every row."""
    if table_name in REFERENCE_TABLES:
        return None
    mapping, _ = map_headers(raw, contract_table(table_name))
    with duckdb.connect() as con:
        if table_name == "record_events":
            return _event_shards(con, raw, mapping, layout)
        usccs = pc.utf8_upper(pc.utf8_trim_whitespace(raw.data[mapping["uscc"][0]]))
        con.register("_rows", pa.table({"uscc": usccs}))
        shard = shard_sql("coalesce(uscc, '')", layout.shards)
        return con.sql(f"SELECT {shard} AS shard FROM _rows").fetchnumpy()["shard"]


def _event_shards(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    mapping: dict[str, tuple[str, float]],
    layout: ShardLayout,
) -> np.ndarray:
    """Each event's shard: the one holding its record, else 0."""
    events = pa.table({
        "position": pa.array(np.arange(raw.data.num_rows)),
        "record_table": pc.utf8_trim_whitespace(raw.data[mapping["table"][0]]),
        "record_id": pc.utf8_trim_whitespace(raw.data[mapping["record_id"][0]]),
    })  # fmt: skip
    con.register("_events", events)
    shards = np.zeros(raw.data.num_rows, dtype=np.int64)
    records = [t.name for t in TABLES.values() if "uscc" in t.column_names and
               "record_id" in t.column_names]  # fmt: skip
    for k, path in enumerate(layout.paths):
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS s (READ_ONLY)")
        owned = " UNION ALL ".join(
            f"SELECT '{name}' AS record_table, record_id FROM s.{quote(name)}" for name in records
        )
        found = con.sql(
            f"SELECT position FROM _events JOIN ({owned}) USING (record_table, record_id)"
        ).fetchnumpy()["position"]
        shards[found] = k
        con.execute("DETACH s")
    return shards


def _subset(raw: RawFile, rows: np.ndarray, shard: int) -> RawFile:
    """The rows ``rows`` (positions) of ``raw``, keeping their row numbers in the file."""
    numbers = raw.row_numbers[rows]
    kept = set(numbers.tolist())
    return dataclasses.replace(
        raw,
        data=raw.data.take(pa.array(rows, pa.int64())),
        row_numbers=numbers,
        unreadable=raw.unreadable if shard == 0 else [],
        emptied=[e for e in raw.emptied if e.row in kept],
    )
