"""A small synthetic city in a store, built once per session, and rule-based grades for it.

Tests that write (plans, results) work on a copy of the store file. The grades come from the
rule scorecard (no training, so the suite stays fast); its points stand in for a model's
probability where the PPS design needs one.
"""

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

from credit_scoring.grading import Grader
from credit_scoring.policies import load_grading_policy
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

AS_OF = dt.date(2026, 6, 30)  # a quarter before the city's end, so the truth covers the plan


@pytest.fixture(scope="session")
def city_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("supervision-city")
    city = generate_city(folder / "files", n_subjects=6000, seed=11)
    db = folder / "city.duckdb"
    with Store(db) as store:
        ingest_directory(store, city.out_dir)
    return db, city


@pytest.fixture(scope="session")
def city_grades(city_store):
    db, _ = city_store
    rules = load_grading_policy().model_copy(update={"authoritative": "rules"})
    with Store(db, read_only=True) as store:
        grades = Grader.rules_only(policy=rules).grade_store(store, as_of=AS_OF)
    # A stand-in for a model's probability: falling with the rule points.
    grades["pd"] = 1 / (1 + np.exp((grades["rules_points"].to_numpy(float) - 75) / 8))
    return grades


@pytest.fixture
def store(city_store, tmp_path):
    db, _ = city_store
    copy = tmp_path / "city.duckdb"
    shutil.copy(db, copy)
    with Store(copy) as opened:
        yield opened


@pytest.fixture(scope="session")
def truth(city_store) -> Path:
    return city_store[1].truth
