"""The batch jobs, shard by shard, on any engine: features, grades, snapshots.

Each job maps one function over the shards of a store (a single store file is one shard) and
assembles the results; the per-shard function opens its shard read-only and calls the same
library code the local path does, so a subject's features, grade and reasons do not depend on
which shard, worker or engine computed them. Tables come back sorted by USCC, as the local
path returns them; a snapshot is written part by part, one part per shard, by the workers
themselves, so no process holds a whole table.

The steps that need every subject at once stay on the caller, explicit: the stratum sizes, the
canonical order and the draw of a plan (:func:`credit_scoring.supervision.plans.create_plan` on
the graded subjects), and fitting a model (:mod:`.training`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from credit_scoring.distributed.engine import Engine
from credit_scoring.distributed.store import shard_paths
from credit_scoring.features.catalog import Catalog
from credit_scoring.grading import Grader
from credit_scoring.records.store import Store

if TYPE_CHECKING:
    from credit_scoring.snapshots.publish import Manifest

__all__ = ["assembled", "features", "grades", "publish", "read_parts", "write_parts"]


def features(db: Path, catalog: Catalog, *, as_of: dt.date, engine: Engine) -> pd.DataFrame:
    """Every subject's features as of ``as_of`` (:func:`build_features`), sorted by USCC."""
    parts = engine.map(_shard_features, shard_paths(db), catalog=catalog, as_of=as_of)
    return assembled(parts)


def grades(db: Path, grader: Grader, *, as_of: dt.date, engine: Engine) -> pd.DataFrame:
    """Every subject's grade record as of ``as_of`` (:meth:`Grader.grade_store`), by USCC."""
    parts = engine.map(_shard_grades, shard_paths(db), grader=grader, as_of=as_of)
    return assembled(parts)


def write_parts(
    db: Path, out: Path, *, as_of: dt.date, engine: Engine, grader: Grader | None = None,
    catalog: Catalog | None = None,
) -> int:  # fmt: skip
    """Grades (with ``grader``) or else features (of ``catalog``) written as one Parquet file
    per shard under the directory ``out`` (``part-00003.parquet``, each sorted by USCC) by the
    worker that computed it: for a store too large to gather in one process. Parts an earlier
    run left in ``out`` are removed first. Returns the rows."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("part-*.parquet"):
        stale.unlink()
    numbered = list(enumerate(shard_paths(db)))
    if grader is not None:
        rows = engine.map(_shard_grades_to, numbered, grader=grader, as_of=as_of, out=out)
    elif catalog is not None:
        rows = engine.map(_shard_features_to, numbered, catalog=catalog, as_of=as_of, out=out)
    else:
        raise ValueError("give a grader (grades) or a catalog (features)")
    return sum(rows)


def read_parts(out: Path, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The parts :func:`write_parts` wrote under ``out``, one at a time, in shard order."""
    for path in sorted(out.glob("part-*.parquet")):
        yield pd.read_parquet(path, columns=columns)


def publish(db: Path, root: Path, *, as_of: dt.date, grader: Grader, engine: Engine) -> Manifest:
    """Grade and explain every subject and publish the snapshot under ``root``, one part per
    shard written where the shard was computed; returns the manifest."""
    from credit_scoring.snapshots.publish import commit_snapshot, start_snapshot

    paths = shard_paths(db)
    read_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    staging = start_snapshot(root, as_of=as_of)
    written = engine.map(
        _shard_snapshot, list(enumerate(paths)), grader=grader, as_of=as_of,
        directory=staging.directory, shards=len(paths),
    )  # fmt: skip
    parts = {name: [part[name] for part in written] for name in written[0]}
    return commit_snapshot(staging, parts, as_of=as_of, store_read_at=read_at,
                           grading=grader.describe(), shards=len(paths))  # fmt: skip


def assembled(parts: list[pd.DataFrame], by: list[str] | None = None) -> pd.DataFrame:
    """Per-shard tables as one, sorted by ``by`` (default: USCC); a column categorical in the
    parts is categorical again (concatenating parts with different categories gives objects)."""
    categorical = [
        c for c, kind in parts[0].dtypes.items() if isinstance(kind, pd.CategoricalDtype)
    ]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame = frame.sort_values(by or ["uscc"], ignore_index=True, kind="stable")
    for column in categorical:
        frame[column] = frame[column].astype(object).astype("category")
    return frame


def _shard_features(path: Path, *, catalog: Catalog, as_of: dt.date) -> pd.DataFrame:
    from credit_scoring.features.engine import build_features

    with Store(path, read_only=True) as store:
        return build_features(store, catalog, as_of=as_of)


def _shard_grades(path: Path, *, grader: Grader, as_of: dt.date) -> pd.DataFrame:
    with Store(path, read_only=True) as store:
        return grader.grade_store(store, as_of=as_of)


def _shard_snapshot(
    numbered: tuple[int, Path], *, grader: Grader, as_of: dt.date, directory: Path, shards: int
) -> dict[str, Any]:
    from credit_scoring.snapshots.build import build_snapshot
    from credit_scoring.snapshots.publish import write_part

    shard, path = numbered
    with Store(path, read_only=True) as store:
        built = build_snapshot(store, as_of=as_of, grader=grader)
    # With one shard the snapshot is not partitioned: its parts hold every subject.
    number = shard if shards > 1 else None
    return {name: write_part(directory, name, table, shard=number)
            for name, table in built.tables.items()}  # fmt: skip


def _shard_features_to(
    numbered: tuple[int, Path], *, catalog: Catalog, as_of: dt.date, out: Path
) -> int:
    shard, path = numbered
    return _written(_shard_features(path, catalog=catalog, as_of=as_of), out, shard)


def _shard_grades_to(
    numbered: tuple[int, Path], *, grader: Grader, as_of: dt.date, out: Path
) -> int:
    shard, path = numbered
    return _written(_shard_grades(path, grader=grader, as_of=as_of), out, shard)


def _written(frame: pd.DataFrame, out: Path, shard: int) -> int:
    frame.to_parquet(out / f"part-{shard:05d}.parquet", index=False)
    return len(frame)
