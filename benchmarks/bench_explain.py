"""Explanations: single-subject latency, batch reason codes, TreeSHAP against shap.

Usage: ``python benchmarks/bench_explain.py [--batch N] [--singles N]``

Uses the 1,000,000-subject store of ``bench_features.py`` and the champion of ``make demo``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
import warnings
from pathlib import Path

import numpy as np

from credit_scoring.explain import explain_grades, explain_subject
from credit_scoring.features import build_features, load_catalog
from credit_scoring.models.grading import load_grading_policy
from credit_scoring.models.scoring import MODEL_NAME, grade_table
from credit_scoring.models.tracking import Tracking
from credit_scoring.records.store import Store

AS_OF = dt.date(2026, 6, 30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("data/bench-features/city.duckdb"))
    parser.add_argument("--mlruns", type=Path, default=Path("data/demo/mlruns"))
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--singles", type=int, default=200)
    args = parser.parse_args()
    _, bundle = Tracking(args.mlruns).champion(MODEL_NAME)
    catalog, policy = load_catalog().risk_features(), load_grading_policy()
    with Store(args.db, read_only=True) as store:
        features = build_features(store, catalog, as_of=AS_OF)
        rng = np.random.default_rng(0)
        chosen = features["uscc"].to_numpy()[rng.choice(len(features), args.singles, replace=False)]
        latencies = []
        for uscc in chosen:
            started = time.perf_counter()
            explain_subject(store, str(uscc), as_of=AS_OF, catalog=catalog, policy=policy,
                            bundle=bundle)  # fmt: skip
            latencies.append((time.perf_counter() - started) * 1000)
        p50, p99 = np.percentile(latencies, [50, 99])
        print(f"single subject, {args.singles} random: p50 {p50:.0f} ms, p99 {p99:.0f} ms "
              f"(target p99 < 20 ms)")  # fmt: skip
        batch = features.sample(args.batch, random_state=0)
        started = time.perf_counter()
        grades = grade_table(batch, policy, bundle)
        explained = explain_grades(store, batch, grades, as_of=AS_OF, catalog=catalog,
                                   policy=policy, bundle=bundle)  # fmt: skip
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"batch reason codes for {len(explained):,} subjects: {seconds:.1f} s "
        f"({len(explained) / seconds:,.0f}/s), process peak {peak:,.0f} MB"
    )
    X = features[bundle.features_].sample(min(100_000, len(features)), random_state=1)
    started = time.perf_counter()
    ours = bundle.gbm_.contributions(X)
    lightgbm_s = time.perf_counter() - started
    import shap

    matrix = bundle.gbm_._matrix(bundle.gbm_._checked_frame(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        theirs = shap.TreeExplainer(bundle.gbm_.booster_).shap_values(matrix)
        shap_s = time.perf_counter() - started
    values = ours.drop(columns=["base_value"], errors="ignore").to_numpy()
    print(
        f"TreeSHAP on {len(X):,} rows: LightGBM pred_contrib {lightgbm_s:.1f} s, "
        f"shap.TreeExplainer {shap_s:.1f} s; max difference "
        f"{np.abs(values - np.asarray(theirs)).max():.2e}"
    )


if __name__ == "__main__":
    main()
