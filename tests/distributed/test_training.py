"""Training on the dask engine: the same rows as the local path, the GBM boosted with
lightgbm.dask to the local model's AUC within 0.005, registered in MLflow like a local run."""

import pandas as pd
import pytest

from credit_scoring.distributed.training import prepare_on, train_on
from credit_scoring.features import load_catalog
from credit_scoring.grading import MODEL_NAME
from credit_scoring.models._capacity import REFERENCE, boosting_on
from credit_scoring.models.metrics import validation_metrics
from credit_scoring.models.tracking import Tracking
from credit_scoring.models.training import fit_bundle, prepare
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings
from tests.distributed.conftest import AS_OF


@pytest.fixture(scope="module")
def data(city_db):
    catalog = load_catalog().risk_features()
    with Store(city_db, read_only=True) as store:
        return prepare(store, catalog, as_of=AS_OF, origins=2)


def test_training_rows_from_shards_are_the_local_rows(sharded, dask_engine, data):
    catalog = load_catalog().risk_features()
    assembled = prepare_on(sharded[3], catalog, as_of=AS_OF, origins=2, engine=dask_engine)
    for part in ("train", "calibrate", "evaluate"):
        expected = getattr(data, part).reset_index(drop=True)  # the halves keep row labels
        pd.testing.assert_frame_equal(getattr(assembled, part), expected, check_exact=True)
    assert assembled.features == data.features


def test_lightgbm_dask_learns_the_local_model(dask_engine, data):
    """On the demo city the two AUCs differ by 0.003 (benchmarks/RESULTS.md, issue 17's 0.005);
    on the thousand rows of this city's evaluation half an AUC moves by about 0.02 with the
    luck of the split, so here the test asks for the same ranking of subjects instead, and an
    AUC within that noise. Both boost the reference capacity: on this small city two capacities
    lie near the line where one replaces the other (``_capacity.best``), and a choice that
    flips would compare two different models, not two ways of boosting one."""
    catalog = load_catalog().risk_features()
    reference = {**REFERENCE, "n_jobs": 1}
    with boosting_on(dask_engine.client):
        distributed = fit_bundle(data, catalog, seed=1, gbm_params=reference)
    X, y = data.xy(data.evaluate)
    local = fit_bundle(data, catalog, seed=1, gbm_params=reference).probabilities(X)["gbm"]
    remote = distributed.probabilities(X)["gbm"]
    assert local.corr(remote, method="spearman") > 0.9, local.corr(remote, method="spearman")
    local_auc = validation_metrics(y, local.to_numpy())["auc"]
    dask_auc = validation_metrics(y, remote.to_numpy())["auc"]
    assert local_auc > 0.6  # a model worth comparing with
    assert abs(dask_auc - local_auc) <= 0.015, (local_auc, dask_auc)


def test_a_dask_run_registers_like_a_local_run(sharded, dask_engine, tmp_path):
    registry = tmp_path / "mlruns"
    result, used = train_on(Settings(db_path=sharded[4], mlruns=registry), as_of=AS_OF,
                            engine=dask_engine, origins=1)  # fmt: skip
    assert used == registry and result.champion
    version, _ = Tracking(registry).champion(MODEL_NAME)
    assert f"{version}" == str(result.model_version)
    assert result.metrics["gbm"]["auc"] > 0.6
    # The sharded store remembers its registry as a single store does.
    from credit_scoring.distributed.store import open_store

    with open_store(sharded[4], read_only=True) as store:
        assert store.registry == registry.resolve()
