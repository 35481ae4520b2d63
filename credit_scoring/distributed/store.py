"""A sharded store read as one: every records table a view over the same table of every shard.

:class:`ShardedStore` is a :class:`Store` whose connection is the coordinator's, with each shard
attached read-only; the coordinator's records tables are views over the union of the shards'
(:mod:`.layout`). Every read the library makes — features, grades, explanations, frames, plans —
runs on it unchanged and gives the same rows as one store holding everything; plans and the
store's settings are written to the coordinator. Records are written to the shards themselves
(``credit-scoring ingest --db DIR`` routes each row), never through these views.
"""

from __future__ import annotations

from pathlib import Path

from credit_scoring.distributed.layout import ShardLayout, is_sharded, shard_alias
from credit_scoring.errors import SchemaVersionError
from credit_scoring.records.store import SCHEMA_VERSION, Store

__all__ = ["ShardedStore", "open_store", "shard_paths"]


class ShardedStore(Store):
    """Every shard of the sharded store at ``directory``, read as one store."""

    def __init__(self, directory: Path | str, *, read_only: bool = False) -> None:
        self.layout = ShardLayout.open(Path(directory))
        super().__init__(self.layout.coordinator, read_only=read_only)
        for k, path in enumerate(self.layout.paths):
            self.con.execute(f"ATTACH '{_escaped(path)}' AS {shard_alias(k)} (READ_ONLY)")
            row = self.con.execute(
                f"SELECT max(version) FROM {shard_alias(k)}.schema_meta"
            ).fetchone()
            if row is None or row[0] != SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{path}: schema version {row[0] if row else None}, this program's is "
                    f"{SCHEMA_VERSION}: credit-scoring store migrate --db {path}"
                )

    @property
    def shard_paths(self) -> list[Path]:
        return self.layout.paths


def open_store(path: Path | str, *, read_only: bool = False) -> Store:
    """The store at ``path``: a DuckDB file, or a sharded store's directory read as one."""
    if is_sharded(Path(path)):
        return ShardedStore(path, read_only=read_only)
    return Store(path, read_only=read_only)


def shard_paths(path: Path | str) -> list[Path]:
    """The files holding the records at ``path``: its shards, or the one store file."""
    return ShardLayout.open(Path(path)).paths if is_sharded(Path(path)) else [Path(path)]


def _escaped(path: Path) -> str:
    return str(path).replace("'", "''")
