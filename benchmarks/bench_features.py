"""Features for 1,000,000 subjects and about 10,000,000 records as of one date.

Usage: ``python benchmarks/bench_features.py [--subjects N] [--start YYYY-MM-DD] [--keep DIR]``

Builds (once, kept in ``--keep``) a synthetic city whose window is long enough for about ten
records per subject, ingests it, then measures in fresh processes: the DuckDB engine
(``build_features``) and a straightforward pandas groupby implementation of the same catalog
(``benchmarks/pandas_features.py``), and checks that both give the same table.
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


def prepare(folder: Path, subjects: int, start: dt.date) -> Path:
    from credit_scoring.records.ingestion import ingest_directory
    from credit_scoring.records.store import Store
    from credit_scoring.synth import generate_city

    db = folder / "city.duckdb"
    if db.exists():
        return db
    started = time.perf_counter()
    city = generate_city(folder / "city", n_subjects=subjects, seed=0, start=start)
    print(f"city generated in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    with Store(db) as store:
        results = ingest_directory(store, city.out_dir)
    rows = sum(r.rows_read for r in results)
    seconds = time.perf_counter() - started
    print(f"ingested {rows:,} rows in {seconds:.0f} s ({rows / seconds:,.0f} rows/s)")
    return db


def child(mode: str, db: Path, out: Path) -> None:
    from credit_scoring.features import build_features, load_catalog
    from credit_scoring.records.store import Store

    catalog = load_catalog()
    with Store(db, read_only=True) as store:
        started = time.perf_counter()
        if mode == "duckdb":
            frame = build_features(store, catalog, as_of=AS_OF)
        else:
            sys.path.insert(0, str(Path(__file__).parent))
            from pandas_features import pandas_features

            frame = pandas_features(store, catalog, AS_OF)
        seconds = time.perf_counter() - started
    frame.to_parquet(out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": len(frame)}))


def measure(mode: str, db: Path, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--db", str(db), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def records(db: Path) -> int:
    from credit_scoring.records.ingestion import INGEST_ORDER
    from credit_scoring.records.store import Store

    with Store(db, read_only=True) as store:
        tables = [t for t in INGEST_ORDER if t not in {"subjects", "inspectors"}]
        return sum(store.count(t) for t in tables)


def same(left: Path, right: Path) -> bool:
    import pandas as pd

    a, b = pd.read_parquet(left), pd.read_parquet(right)
    b = b[a.columns]
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype.kind in "fi":
            if not ((x - y).abs().fillna(0) <= 1e-6).all() or (x.isna() != y.isna()).any():
                print(f"differs: {column}")
                return False
        elif not x.astype(str).equals(y.astype(str)):
            print(f"differs: {column}")
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2017, 1, 1))
    parser.add_argument("--keep", type=Path, default=Path("data/bench-features"))
    parser.add_argument("--child")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, args.out)
        return
    args.keep.mkdir(parents=True, exist_ok=True)
    db = prepare(args.keep, args.subjects, args.start)
    print(f"{args.subjects:,} subjects, {records(db):,} records; features as of {AS_OF}")
    engine = measure("duckdb", db, args.keep / "duckdb.parquet")
    plain = measure("pandas", db, args.keep / "pandas.parquet")
    print(
        f"DuckDB engine: {engine['seconds']:.1f} s, peak {engine['peak_mb']:,.0f} MB "
        f"({engine['rows']:,} rows)"
    )
    print(f"pandas groupby: {plain['seconds']:.1f} s, peak {plain['peak_mb']:,.0f} MB")
    print(
        f"speed-up: {plain['seconds'] / engine['seconds']:.1f}x (target >= 3x; "
        f"engine target < 60 s, < 6 GB)"
    )
    print(f"same table: {same(args.keep / 'duckdb.parquet', args.keep / 'pandas.parquet')}")


if __name__ == "__main__":
    main()
