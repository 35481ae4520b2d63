"""Explanations: single-subject latency, batch reason codes, TreeSHAP against shap.

Usage: ``python benchmarks/bench_explain.py [--singles N] [--batch N] [--shap-rows N]``

Uses the 1,000,000-subject store of ``bench_features.py`` (``data/bench-features/city.duckdb``)
and the champion of ``make demo`` (``data/demo/mlruns``). Each measurement runs in a fresh
process, so its peak memory (``ru_maxrss``) is its own:

- ``single`` — grade + explanation of N random subjects from the store, one at a time
  (``explain_subject``: indexed reads, features, the three scorers, reasons with records);
- ``batch`` — reason codes for N subjects (all by default): features, grades and the
  explanation table, with the time of each step and the distinct feature rows TreeSHAP saw;
- ``shap`` — TreeSHAP on the same distinct rows through LightGBM (``pred_contrib``), through
  ours (tree by tree over decision patterns) and through ``shap.TreeExplainer``, with the
  largest differences.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 6, 30)


def _load(db: Path, mlruns: Path) -> tuple[Any, ...]:
    from credit_scoring.grading import Grader
    from credit_scoring.records.store import Store
    from credit_scoring.settings import Settings

    store = Store(db, read_only=True)
    grader = Grader.load(store, Settings(mlruns=mlruns))
    assert grader.bundle is not None, grader.fallback
    return store, grader


def single(db: Path, mlruns: Path, n: int) -> dict[str, Any]:
    import numpy as np

    store, grader = _load(db, mlruns)
    registered = "registered_date IS NULL OR registered_date <= ?"  # existing on AS_OF
    found = store.con.execute(f"SELECT uscc FROM subjects WHERE {registered}", [AS_OF])
    subjects = [u for (u,) in found.fetchall()]
    chosen = np.random.default_rng(0).choice(subjects, n + 20, replace=False)
    latencies = []
    for i, uscc in enumerate(chosen):
        started = time.perf_counter()
        grader.explain(store, str(uscc), as_of=AS_OF)
        if i >= 20:  # the first few warm caches (catalog, policies, LightGBM) up
            latencies.append((time.perf_counter() - started) * 1000)
    p50, p99, worst = np.percentile(latencies, [50, 99, 100])
    steps = _single_steps(store, grader, [str(u) for u in chosen[20:]])
    return {"subjects": n, "p50_ms": p50, "p99_ms": p99, "max_ms": worst, "steps_ms": steps}


def _single_steps(store: Any, grader: Any, usccs: list[str]) -> Any:
    """Where one subject's time goes, p50 and p99 per step of ``explain_subject``, again."""
    import numpy as np

    from credit_scoring.explain.reason_codes import explanation_columns
    from credit_scoring.features.online import feature_columns, fetch_subject, subject_features
    from credit_scoring.models.scoring import grade_columns
    from credit_scoring.policies.publicity import load_publicity_policy

    publicity = load_publicity_policy()
    catalog, policy, bundle = grader.catalog, grader.policy, grader.bundle
    times: dict[str, list[float]] = {"read": [], "features": [], "grade": [], "explain": []}
    for uscc in usccs:
        started = time.perf_counter()
        rows = fetch_subject(store, uscc)
        read = time.perf_counter()
        values, counted = subject_features(rows, catalog, as_of=AS_OF, policy=publicity)
        features = feature_columns([values], catalog)
        featured = time.perf_counter()
        grades = grade_columns(features, policy, bundle)
        graded = time.perf_counter()
        records = {(uscc, name): ids for name, ids in counted.items() if ids}
        explanation_columns(store, features, grades, as_of=AS_OF, catalog=catalog,
                            policy=policy, bundle=bundle, records=records)  # fmt: skip
        ends = (read, featured, graded, time.perf_counter())
        for name, start, end in zip(times, (started, *ends), ends, strict=False):
            times[name].append((end - start) * 1000)
    return {k: [round(float(x), 2) for x in np.percentile(v, [50, 99])] for k, v in times.items()}


def batch(db: Path, mlruns: Path, n: int | None) -> dict[str, Any]:
    from credit_scoring.models.gbm import _unique_rows

    store, grader = _load(db, mlruns)
    bundle = grader.bundle
    seconds = {}
    started = time.perf_counter()
    features = grader.features(store, as_of=AS_OF)
    if n is not None:
        features = features.sample(n, random_state=0).sort_values("uscc", ignore_index=True)
    seconds["features"] = time.perf_counter() - started
    started = time.perf_counter()
    grades = grader.grade(features)
    seconds["grades"] = time.perf_counter() - started
    started = time.perf_counter()
    table = grader.explain_table(store, features, grades, as_of=AS_OF)
    seconds["explanations"] = time.perf_counter() - started
    gbm = bundle.gbm_
    distinct = len(_unique_rows(gbm._matrix(gbm._checked_frame(features[bundle.features_])))[0])
    reasons = int(table["reasons"].str.count('"code"').sum())
    return {
        "subjects": len(table), "seconds": seconds, "total_s": sum(seconds.values()),
        "distinct_feature_rows": distinct, "reasons": reasons, "trees": gbm.booster_.num_trees(),
    }  # fmt: skip


def treeshap(db: Path, mlruns: Path, n: int) -> dict[str, Any]:
    import numpy as np
    import shap

    from credit_scoring.features import build_features

    store, catalog, _, bundle = _load(db, mlruns)
    features = build_features(store, catalog, as_of=AS_OF)
    gbm = bundle.gbm_
    # Distinct rows, so neither side gains from rows repeated (ours explains each once).
    matrix = np.unique(gbm._matrix(gbm._checked_frame(features[bundle.features_])), axis=0)
    matrix = matrix[np.random.default_rng(1).permutation(len(matrix))[:n]]
    started = time.perf_counter()
    plain = gbm.booster_.predict(matrix, pred_contrib=True, num_threads=gbm._threads())
    lightgbm_s = time.perf_counter() - started
    started = time.perf_counter()
    ours = gbm._contrib_matrix(matrix)  # tree by tree over decision patterns
    ours_s = time.perf_counter() - started
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's misleading "output has changed" notice
        started = time.perf_counter()
        theirs = shap.TreeExplainer(gbm.booster_).shap_values(matrix)
        shap_s = time.perf_counter() - started
    theirs = np.asarray(theirs)
    return {
        "rows": len(matrix), "lightgbm_s": lightgbm_s, "ours_s": ours_s, "shap_s": shap_s,
        "max_difference_lightgbm_shap": float(np.abs(plain[:, :-1] - theirs).max()),
        "max_difference_ours_shap": float(np.abs(ours[:, :-1] - theirs).max()),
    }  # fmt: skip


def child(mode: str, db: Path, mlruns: Path, n: int | None) -> None:
    result = {"single": single, "batch": batch, "shap": treeshap}[mode](db, mlruns, n)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(mode: str, db: Path, mlruns: Path, n: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--db", str(db), "--mlruns", str(mlruns)]
    if n is not None:
        command += ["--n", str(n)]
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("data/bench-features/city.duckdb"))
    parser.add_argument("--mlruns", type=Path, default=Path("data/demo/mlruns"))
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=None, help="subjects (default: all)")
    parser.add_argument("--shap-rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["single", "batch", "shap"], default=None)
    parser.add_argument("--child", choices=["single", "batch", "shap"])
    parser.add_argument("--n", type=int, default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, args.mlruns, args.n)
        return
    sizes = {"single": args.singles, "batch": args.batch, "shap": args.shap_rows}
    for mode in [args.only] if args.only else ["single", "batch", "shap"]:
        print(mode, json.dumps(measure(mode, args.db, args.mlruns, sizes[mode])), flush=True)


if __name__ == "__main__":
    main()
