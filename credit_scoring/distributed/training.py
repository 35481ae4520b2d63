"""Training on an engine: the training rows assembled from every shard, the GBM boosted with
``lightgbm.dask`` on the cluster, then validated, logged and registered as a local run is.

The rows of each origin — features and labels — are computed where the shard is, as every
per-subject quantity is (:mod:`.jobs`); the validation halves are split by a hash of the USCC,
so a subject lands in the same half on any shard. Fitting a model needs every row at once: the
scorecards fit here, on the caller; the GBM's boosting runs on the workers
(:func:`credit_scoring.models._capacity.boosting_on`). The run is then logged, registered and
compared with the champion by :func:`credit_scoring.models.training.train`, unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from credit_scoring.distributed.engine import DaskEngine, Engine
from credit_scoring.distributed.jobs import assembled
from credit_scoring.distributed.store import shard_paths
from credit_scoring.features.catalog import Catalog, load_catalog
from credit_scoring.models._capacity import boosting_on
from credit_scoring.models.training import (
    TrainingData,
    TrainResult,
    fit_bundle,
    prepare,
    train_store,
)
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings

__all__ = ["prepare_on", "train_on"]


def prepare_on(
    db: Path, catalog: Catalog, *, as_of: dt.date, origins: int, engine: Engine
) -> TrainingData:
    """:func:`credit_scoring.models.training.prepare` shard by shard, assembled: the same rows
    in the same order (origin, then USCC)."""
    parts = engine.map(_shard_training_data, shard_paths(db), catalog=catalog, as_of=as_of,
                       origins=origins)  # fmt: skip
    first = parts[0]
    frames = {
        name: assembled([getattr(p, name) for p in parts], by=["as_of", "uscc"])
        for name in ("train", "calibrate", "evaluate")
    }
    return replace(first, **frames)


def train_on(
    settings: Settings, *, as_of: dt.date, engine: Engine, seed: int = 0, origins: int = 4,
    **options: Any,
) -> tuple[TrainResult, Path]:  # fmt: skip
    """:func:`credit_scoring.models.training.train_store` on ``engine``: the rows from every
    shard, the GBM boosted on the cluster when the engine is Dask; returns the result and the
    registry, which the store records."""
    catalog = load_catalog().risk_features()
    data = prepare_on(settings.db_path, catalog, as_of=as_of, origins=origins, engine=engine)
    client = engine.client if isinstance(engine, DaskEngine) else None
    with boosting_on(client):
        bundle = fit_bundle(data, catalog, seed=seed)
    return train_store(settings, as_of=as_of, catalog=catalog, data=data, bundle=bundle, **options)


def _shard_training_data(
    path: Path, *, catalog: Catalog, as_of: dt.date, origins: int
) -> TrainingData:
    with Store(path, read_only=True) as store:
        return prepare(store, catalog, as_of=as_of, origins=origins)
