"""A small city, a trained grader, the city split into 1, 3 and 4 shards, and one Dask
LocalCluster of 2 workers shared by the tests of this folder (starting one takes seconds),
stopped when the folder is done."""

import datetime as dt

import pytest

from credit_scoring.distributed.engine import open_engine
from credit_scoring.distributed.layout import split_store
from credit_scoring.features import load_catalog
from credit_scoring.grading import Grader
from credit_scoring.models.training import fit_bundle, prepare
from credit_scoring.policies import load_grading_policy
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

AS_OF = dt.date(2026, 9, 30)
SHARD_COUNTS = (1, 3, 4)


@pytest.fixture(scope="package")
def city_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("distributed")
    files = generate_city(folder / "city", n_subjects=2000, seed=5, end=AS_OF)
    db = folder / "credit.duckdb"
    with Store(db) as store:
        ingest_directory(store, files.out_dir)
    return db


@pytest.fixture(scope="package")
def sharded(city_db, tmp_path_factory):
    """Shard count → the sharded store's directory."""
    root = tmp_path_factory.mktemp("shards")
    return {n: split_store(city_db, n, root / f"x{n}").directory for n in SHARD_COUNTS}


@pytest.fixture(scope="package")
def grader(city_db):
    """A trained grader (the GBM decides, as in production), its bundle fitted here."""
    catalog = load_catalog().risk_features()
    with Store(city_db, read_only=True) as store:
        data = prepare(store, catalog, as_of=AS_OF, origins=2)
    bundle = fit_bundle(data, catalog, seed=1)
    return Grader(catalog, load_grading_policy(), bundle, "credit-grade/test")


@pytest.fixture(scope="package")
def dask_engine():
    with open_engine("dask", workers=2) as engine:
        yield engine
