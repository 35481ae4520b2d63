"""Which shard a subject lives in: a stable hash of its USCC, the same in Python and in SQL.

The shard of a USCC is the first 15 hexadecimal digits of the MD5 of its ASCII text, read as an
integer, modulo the number of shards. Python's ``hash()`` changes with every process and
DuckDB's ``hash()`` between versions; MD5 is the same everywhere, so a store split today and a
snapshot served next year agree on where a subject is. Fifteen digits (60 bits) stay inside a
signed 64-bit integer in every engine.

Examples
--------
>>> shard_of("91350200776049653A", 4)
2
>>> shard_of("91350200776049653A", 1)
0
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

__all__ = ["HASH", "shard_of", "shard_sql", "shards_of"]

HASH = "md5-60"  # recorded wherever shards are, so a reader can refuse a layout it does not know
_DIGITS = 15


def shard_of(uscc: str, shards: int) -> int:
    """The shard, from 0 to ``shards`` - 1, of one USCC."""
    return int(hashlib.md5(uscc.encode()).hexdigest()[:_DIGITS], 16) % shards


def shards_of(usccs: Iterable[str], shards: int) -> np.ndarray:
    """:func:`shard_of` of many USCCs, as an array of shard numbers."""
    return np.fromiter((shard_of(u, shards) for u in usccs), dtype=np.int64)


def shard_sql(column: str, shards: int) -> str:
    """:func:`shard_of` as a DuckDB SQL expression over ``column`` (a quoted identifier)."""
    return f"(('0x' || left(md5({column}), {_DIGITS}))::UBIGINT % {int(shards)})"
