"""A sharded records store on disk: N DuckDB shards by USCC hash, and a coordinator.

Layout of a sharded store (one directory)::

    shards.json             {"format": 1, "shards": N, "hash": "md5-60"}
    shard-00000.duckdb      a complete records store (same schema) holding the subjects whose
    …                       shard_of(uscc, N) is its number, with all their records and history
    coordinator.duckdb      what belongs to no subject: plans, the store's settings (its model
                            registry); its own records tables stay empty

Every shard keeps its own ingest runs and rejected rows. A record event goes to the shard of the
record it is about; inspectors, who belong to no subject, are copied to every shard (a plan
assigns them wherever its subjects live). Splitting an existing store keeps the runs and issues
it logged before the split in shard 0, so the log is complete and nothing is counted twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from credit_scoring.errors import InvalidInput, StoreNotFound
from credit_scoring.records.contract import TABLES, WORKFLOW_TABLES
from credit_scoring.records.store import Store, quote
from credit_scoring.sharding import HASH, shard_sql

__all__ = ["LAYOUT_FILE", "ShardLayout", "is_sharded", "shard_alias", "split_store"]

LAYOUT_FILE = "shards.json"
FORMAT = 1
COORDINATOR = "coordinator.duckdb"
# Tables of one subject's records (current and history): split by the subject's shard.
SUBJECT_TABLES = tuple(
    name
    for table in (*TABLES.values(), *WORKFLOW_TABLES.values())
    if "uscc" in table.column_names
    for name in (table.name, f"{table.name}_history")
)
REFERENCE_TABLES = ("inspectors", "inspectors_history")  # copied to every shard
EVENT_TABLES = ("record_events", "record_events_history")  # with the record they are about
LOG_TABLES = ("ingest_runs", "ingest_issues")  # per shard; before a split, in shard 0


@dataclass(frozen=True)
class ShardLayout:
    """Where the shards of a sharded store are."""

    directory: Path
    shards: int

    @property
    def paths(self) -> list[Path]:
        return [self.directory / f"shard-{k:05d}.duckdb" for k in range(self.shards)]

    @property
    def coordinator(self) -> Path:
        return self.directory / COORDINATOR

    @classmethod
    def open(cls, directory: Path) -> ShardLayout:
        """The layout of an existing sharded store; a clear error if ``directory`` is none."""
        directory = Path(directory)
        try:
            described = json.loads((directory / LAYOUT_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreNotFound(
                f"{directory}: not a sharded store (no {LAYOUT_FILE}); split one with "
                f"credit-scoring shard --db STORE --shards N --out {directory}"
            ) from None
        except ValueError as error:
            raise StoreNotFound(f"{directory / LAYOUT_FILE}: unreadable ({error})") from None
        if described.get("format") != FORMAT or described.get("hash") != HASH:
            raise StoreNotFound(
                f"{directory / LAYOUT_FILE}: format {described.get('format')} with hash "
                f"{described.get('hash')!r}; this program reads format {FORMAT} with {HASH!r}"
            )
        layout = cls(directory, int(described["shards"]))
        missing = [p.name for p in layout.paths if not p.is_file()]
        if missing:
            raise StoreNotFound(f"{directory}: shards missing: {', '.join(missing[:5])}")
        return layout

    @classmethod
    def create(cls, directory: Path, shards: int) -> ShardLayout:
        """Empty shards and coordinator (schema only) in a new or empty ``directory``."""
        if shards < 1:
            raise InvalidInput(f"shards must be at least 1; got {shards}", field="shards")
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()):
            raise InvalidInput(f"{directory} is not empty: a sharded store needs a directory "
                               "of its own", field="out")  # fmt: skip
        directory.mkdir(parents=True, exist_ok=True)
        layout = cls(directory, shards)
        for path in (*layout.paths, layout.coordinator):
            Store(path).close()  # created and migrated
        with Store(layout.coordinator) as coordinator, coordinator.transaction() as con:
            _replace_by_views(con, layout)
        described = {"format": FORMAT, "shards": shards, "hash": HASH}
        (directory / LAYOUT_FILE).write_text(json.dumps(described) + "\n", encoding="utf-8")
        return layout


def _replace_by_views(con: duckdb.DuckDBPyConnection, layout: ShardLayout) -> None:
    """The coordinator's records tables become views over the shards' (persistent: a cursor,
    which does not see a connection's temporary views, reads them too). They resolve once the
    shards are attached under :func:`shard_alias` names, as :class:`ShardedStore` does."""
    for k, path in enumerate(layout.paths):
        con.execute(f"ATTACH {_text(path)} AS {shard_alias(k)} (READ_ONLY)")
    for table in (*SUBJECT_TABLES, *EVENT_TABLES, *LOG_TABLES, *REFERENCE_TABLES):
        # Reference tables are the same in every shard: shard 0's stands for all.
        shards = range(1 if table in REFERENCE_TABLES else layout.shards)
        union = " UNION ALL ".join(f"SELECT * FROM {shard_alias(k)}.{quote(table)}" for k in shards)
        con.execute(f"DROP TABLE {quote(table)}")
        con.execute(f"CREATE VIEW {quote(table)} AS {union}")
    for k in range(layout.shards):
        con.execute(f"DETACH {shard_alias(k)}")


def shard_alias(k: int) -> str:
    """The name shard ``k`` is attached under in the coordinator."""
    return f"shard_{k:05d}"


def is_sharded(path: Path) -> bool:
    """Whether ``path`` is a sharded store's directory."""
    return (Path(path) / LAYOUT_FILE).is_file()


def split_store(
    source: Path,
    shards: int,
    out: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ShardLayout:
    """Copy the store at ``source`` into a new sharded store of ``shards`` shards at ``out``.

    ``source`` is only read. ``progress(done, shards)`` is called as each shard is written.
    """
    Store(source, read_only=True).close()  # a missing, damaged or outdated store says so here
    layout = ShardLayout.create(out, shards)
    for k, path in enumerate(layout.paths):
        with Store(path) as store, store.transaction() as con:
            con.execute(f"ATTACH {_text(source)} AS source (READ_ONLY)")
            _copy_shard(con, k, shards)
            con.execute("DETACH source")
        if progress:
            progress(k + 1, shards)
    with Store(layout.coordinator) as store, store.transaction() as con:
        con.execute(f"ATTACH {_text(source)} AS source (READ_ONLY)")
        for table in ("plans", "plan_frame", "plan_items", "plan_inspectors", "store_settings"):
            con.execute(f"INSERT INTO {table} SELECT * FROM source.{table}")
        con.execute("DETACH source")
    return layout


def _copy_shard(con: duckdb.DuckDBPyConnection, k: int, shards: int) -> None:
    mine = f"{shard_sql('uscc', shards)} = {k}"
    for table in SUBJECT_TABLES:
        con.execute(f"INSERT INTO {quote(table)} SELECT * FROM source.{quote(table)} WHERE {mine}")
    for table in REFERENCE_TABLES:
        con.execute(f"INSERT INTO {quote(table)} SELECT * FROM source.{quote(table)}")
    # An event goes where its record is; one about no known record stays in shard 0.
    owners = " UNION ".join(
        f"SELECT {_text(t.name)} AS record_table, record_id, uscc FROM source.{quote(name)}"
        for t in TABLES.values()
        if "uscc" in t.column_names and "record_id" in t.column_names
        for name in (t.name, f"{t.name}_history")
    )
    home = f"coalesce({shard_sql('o.uscc', shards)}, 0)"
    for table in EVENT_TABLES:
        con.execute(
            f"""INSERT INTO {quote(table)} SELECT e.* FROM source.{quote(table)} e
                LEFT JOIN (SELECT record_table, record_id, first(uscc) AS uscc
                           FROM ({owners}) GROUP BY ALL) o
                  ON o.record_table = e."table" AND o.record_id = e.record_id
                WHERE {home} = {k}"""
        )
    if k == 0:
        for table in LOG_TABLES:
            con.execute(f"INSERT INTO {table} SELECT * FROM source.{table}")


def _text(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"
