"""Grading 1,000,000 subjects end to end: features, the three scorers and the grade policy.

Usage: ``python benchmarks/bench_grading.py [--city DIR] [--mlruns DIR]``

Uses the store ``benchmarks/bench_features.py`` builds (``data/bench-features/city.duckdb``) and
the champion of ``--mlruns`` (trained on the 20,000-subject demo city by ``make demo`` if the
folder is absent: the catalog is the same, so the model scores any city). Measures in a fresh
process the whole grading run, and the model-scoring step against a bare ``booster.predict`` on
the same matrix.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

AS_OF = dt.date(2026, 6, 30)


def child(db: Path, mlruns: Path) -> None:
    import numpy as np

    from credit_scoring.grading import Grader
    from credit_scoring.records.store import Store
    from credit_scoring.settings import Settings

    with Store(db, read_only=True) as store:
        grader = Grader.load(store, Settings(mlruns=mlruns))
        bundle = grader.bundle
        assert bundle is not None, grader.fallback
        started = time.perf_counter()
        features = grader.features(store, as_of=AS_OF)
    feature_seconds = time.perf_counter() - started
    grades = grader.grade(features)
    total = time.perf_counter() - started
    X = features[bundle.features_]
    gbm = bundle.gbm_
    matrix = gbm._matrix(gbm._checked_frame(X))  # the matrix our path builds, timed apart
    gbm.predict_proba(X.head(1000))  # both warmed up, then the best of three runs each
    gbm.booster_.predict(matrix[:1000], raw_score=True)
    scoring, bare = float("inf"), float("inf")
    for _ in range(3):
        started = time.perf_counter()
        ours = gbm.predict_proba(X)
        scoring = min(scoring, time.perf_counter() - started)
        started = time.perf_counter()
        gbm.booster_.predict(matrix, raw_score=True)
        bare = min(bare, time.perf_counter() - started)
    counts = grades["grade"].value_counts().sort_index().to_dict()
    print(json.dumps({
        "subjects": len(grades), "features_s": feature_seconds, "total_s": total,
        "scoring_s": scoring, "bare_predict_s": bare, "grades": counts,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mean_pd": float(np.mean(ours[:, 1])),
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("data/bench-features/city.duckdb"))
    parser.add_argument("--mlruns", type=Path, default=Path("data/demo/mlruns"))
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.db, args.mlruns)
        return
    if not args.db.exists():
        sys.exit(f"{args.db} missing: run benchmarks/bench_features.py first")
    if not args.mlruns.exists():
        subprocess.run(["credit-scoring", "demo"], check=True)
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--db", str(args.db), "--mlruns", str(args.mlruns)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"graded {result['subjects']:,} subjects as of {AS_OF} in {result['total_s']:.1f} s "
        f"(features {result['features_s']:.1f} s), peak {result['peak_mb']:,.0f} MB "
        f"(targets: < 180 s, < 8 GB)"
    )
    print(f"grades: {result['grades']}")
    print(
        f"GBM scoring {result['scoring_s']:.2f} s vs bare booster.predict "
        f"{result['bare_predict_s']:.2f} s: {result['scoring_s'] / result['bare_predict_s']:.2f}x "
        f"(target <= 1.3x)"
    )


if __name__ == "__main__":
    main()
