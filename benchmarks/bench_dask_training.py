"""GBM on lightgbm.dask against the local GBM on the demo city (issue 17): AUC on the
evaluation half, fit time.

    python benchmarks/bench_dask_training.py [--subjects 20000] [--repeats 3]

Generates and ingests the demo's city (seed 0, ending on the demo's date) into a temporary
folder, prepares the training data once, then fits the bundle locally once and on a
LocalCluster of 2 workers ``--repeats`` times (distributed boosting is not bit-for-bit
repeatable: LightGBM's workers bin their own rows).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from credit_scoring.demo import DEMO_END
from credit_scoring.distributed.engine import open_engine
from credit_scoring.features import load_catalog
from credit_scoring.models._capacity import boosting_on
from credit_scoring.models.metrics import validation_metrics
from credit_scoring.models.training import fit_bundle, prepare
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = generate_city(Path(folder) / "city", n_subjects=args.subjects, seed=0, end=DEMO_END)
        with Store(Path(folder) / "credit.duckdb") as store:
            ingest_directory(store, files.out_dir)
            catalog = load_catalog().risk_features()
            data = prepare(store, catalog, as_of=DEMO_END)
    X, y = data.xy(data.evaluate)
    print(f"{len(data.train):,} training rows, {len(y):,} in the evaluation half")

    def auc_of(bundle) -> float:
        return validation_metrics(y, bundle.probabilities(X)["gbm"].to_numpy())["auc"]

    started = time.perf_counter()
    local = fit_bundle(data, catalog, seed=0)
    print(
        f"local: AUC {auc_of(local):.4f}, fit {time.perf_counter() - started:.1f} s, "
        f"capacity {local.gbm_.capacity_}, rounds {local.gbm_.best_iteration_}"
    )
    with open_engine("dask", workers=2) as engine:
        for _ in range(args.repeats):
            started = time.perf_counter()
            with boosting_on(engine.client):
                distributed = fit_bundle(data, catalog, seed=0)
            print(
                f"dask:  AUC {auc_of(distributed):.4f}, fit {time.perf_counter() - started:.1f} s, "
                f"capacity {distributed.gbm_.capacity_}, rounds {distributed.gbm_.best_iteration_}"
            )


if __name__ == "__main__":
    main()
