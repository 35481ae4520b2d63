"""The dask engine on 1, 3 and 4 shards gives what the local engine gives on one store: the same
features, grades and plans, bit for bit (issue 17)."""

import pandas as pd
import pytest

from credit_scoring.distributed import jobs
from credit_scoring.distributed.engine import LocalEngine
from credit_scoring.distributed.store import open_store
from credit_scoring.features import build_features, load_catalog
from credit_scoring.records.store import Store
from credit_scoring.supervision import create_plan
from tests.distributed.conftest import AS_OF, SHARD_COUNTS


@pytest.fixture(scope="module")
def local(city_db, grader):
    """The local engine's results on the unsharded store."""
    catalog = load_catalog().risk_features()
    with Store(city_db, read_only=True) as store:
        return build_features(store, catalog, as_of=AS_OF), grader.grade_store(store, as_of=AS_OF)


def test_the_cluster_has_two_workers(dask_engine):
    assert dask_engine.workers == 2


def test_one_object_shared_by_two_jobs_in_a_row_is_sent_under_two_keys(dask_engine, grader):
    # A key hashed from the content made the second job's grader the first one's, which the
    # first job's release then deleted from the workers (publish after grades, 10M subjects).
    first, second = (dask_engine._scatter(grader, broadcast=True) for _ in range(2))
    assert first.key != second.key
    del first  # released, as the grades job's copy is when it returns
    assert dask_engine.client.gather(second).describe() == grader.describe()


@pytest.mark.parametrize("shards", SHARD_COUNTS)
def test_features_on_dask_equal_the_local_engine_bit_for_bit(sharded, dask_engine, local, shards):
    catalog = load_catalog().risk_features()
    frame = jobs.features(sharded[shards], catalog, as_of=AS_OF, engine=dask_engine)
    pd.testing.assert_frame_equal(frame, local[0], check_exact=True)


@pytest.mark.parametrize("shards", SHARD_COUNTS)
def test_grades_on_dask_equal_the_local_engine_bit_for_bit(
    sharded, dask_engine, grader, local, shards
):
    grades = jobs.grades(sharded[shards], grader, as_of=AS_OF, engine=dask_engine)
    assert grades["source"].unique().tolist() == ["gbm"]  # the trained model decided
    pd.testing.assert_frame_equal(grades, local[1], check_exact=True)


def test_the_local_engine_on_shards_equals_it_too(sharded, grader, local):
    grades = jobs.grades(sharded[3], grader, as_of=AS_OF, engine=LocalEngine())
    pd.testing.assert_frame_equal(grades, local[1], check_exact=True)


@pytest.mark.parametrize("shards", (3, 4))
def test_a_plan_drawn_on_shards_is_the_local_plan(
    city_db, sharded, dask_engine, grader, local, shards, tmp_path
):
    """The draw is global: the frame, the strata and the canonical order span every shard, so
    the commitment, the draw and the inspectors are those of the plan drawn on one store."""
    import shutil

    single = tmp_path / "single.duckdb"
    shutil.copy(city_db, single)
    with Store(single) as store:
        expected = create_plan(store, as_of=AS_OF, seed=7, rate=0.1, grades=local[1])
    directory = tmp_path / "sharded"
    shutil.copytree(sharded[shards], directory)
    grades = jobs.grades(directory, grader, as_of=AS_OF, engine=dask_engine)
    with open_store(directory) as store:
        drawn = create_plan(store, as_of=AS_OF, seed=7, rate=0.1, grades=grades)
    assert drawn.plan_id == expected.plan_id
    assert drawn.commitment == expected.commitment
    pd.testing.assert_frame_equal(drawn.items, expected.items)
    pd.testing.assert_frame_equal(drawn.frame, expected.frame)
