"""Validated ingest of a 1,000,000-row penalties CSV against a bare DuckDB load of the same file
(``CREATE TABLE AS SELECT * FROM read_csv``, no checks) and a bare ``pandas.read_csv``.

Usage: ``python benchmarks/bench_ingest.py [--rows N] [--subjects N] [--repeat N] [--keep DIR]``

Each measurement runs in its own fresh process so peak memory (ru_maxrss) is its own; the three
take turns ``--repeat`` times and the median of each is reported, because the machine is often
shared. Every ingest starts from a store holding only the subjects, so the foreign-key check runs
as it does for real and every row is new. The ingest also reports where its time went (reading,
checking, writing with the commit), from its own progress callback.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from credit_scoring.records import codes


def write_inputs(folder: Path, n_rows: int, n_subjects: int, seed: int = 0) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    regions = rng.choice(["330203", "330205", "330206", "330211", "330212"], n_subjects)
    usccs = codes.generate_usccs(rng, ["enterprise"] * n_subjects, regions)
    subjects = pa.table(
        {
            "uscc": usccs,
            "name": [f"主体{i}" for i in range(n_subjects)],
            "subject_type": ["enterprise"] * n_subjects,
            "region_code": regions,
        }
    )
    subjects_path = folder / "subjects.csv"
    pacsv.write_csv(subjects, subjects_path)
    days = np.datetime64("2021-01-01") + rng.integers(0, 1800, n_rows)
    published = days + rng.integers(1, 15, n_rows)
    types = np.array(["fine", "warning;fine", "fine;confiscation", "warning", "licence_revocation"])
    penalties = pa.table(
        {
            "record_id": [f"CF{i:08d}" for i in range(n_rows)],
            "uscc": np.asarray(usccs)[rng.integers(0, n_subjects, n_rows)],
            "decision_no": [f"城管罚〔2024〕{i}号" for i in range(n_rows)],
            "violation_type": rng.choice(
                ["占道经营", "乱扔垃圾", "违规设置广告", "渣土撒漏"], n_rows
            ),
            "penalty_types": rng.choice(types, n_rows),
            "decision_date": days.astype(str),
            "severity": rng.choice(["minor", "general", "serious"], n_rows, p=[0.2, 0.7, 0.1]),
            "fine_amount": np.round(rng.gamma(2.0, 800.0, n_rows), 2),
            "legal_basis": rng.choice(["《城市市容和环境卫生管理条例》第三十四条", "其他"], n_rows),
            "authority": rng.choice(["综合行政执法局", "城管局一中队", "城管局二中队"], n_rows),
            "published_date": published.astype(str),
        }
    )
    penalties_path = folder / "penalties.csv"
    pacsv.write_csv(penalties, penalties_path)
    return subjects_path, penalties_path


def measure(mode: str, folder: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; return seconds and peak RSS in MB."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--keep", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(mode: str, folder: Path) -> None:
    import datetime as dt

    import pandas as pd

    from credit_scoring.records.ingestion import ingest_file
    from credit_scoring.records.store import Store

    if mode == "ingest":  # from a store holding only the subjects: every row is new
        (folder / "bench.duckdb.wal").unlink(missing_ok=True)
        shutil.copy(folder / "subjects.duckdb", folder / "bench.duckdb")
    started = time.perf_counter()
    result: dict[str, object] = {}
    if mode == "read_csv":
        frame = pd.read_csv(folder / "penalties.csv")
        result["rows"] = len(frame)
    elif mode == "duckdb_load":  # no validation: what landing the file in a DuckDB table costs
        import duckdb

        (folder / "bare.duckdb").unlink(missing_ok=True)
        with duckdb.connect(str(folder / "bare.duckdb")) as con:
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{folder / 'penalties.csv'}')")
    else:
        marks: dict[str, float] = {}

        def progress(stage: str, fraction: float) -> None:
            marks[stage.split()[0]] = time.perf_counter()

        with Store(folder / "bench.duckdb") as store:
            outcome = ingest_file(
                store, "penalties", folder / "penalties.csv", today=dt.date.today(),
                progress=progress,
            )  # fmt: skip
        result.update(
            accepted=outcome.accepted,
            rejected=outcome.rejected,
            read=marks["checking"] - marks["reading"],
            check=marks["writing"] - marks["checking"],
            write=time.perf_counter() - marks["writing"],  # with the commit and closing
        )
    result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.keep)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subjects_path, penalties_path = write_inputs(folder, args.rows, args.subjects)
    print(
        f"inputs written in {time.perf_counter() - started:.1f} s: "
        f"{penalties_path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows"
    )
    from credit_scoring.records.ingestion import ingest_file
    from credit_scoring.records.store import Store

    (folder / "subjects.duckdb").unlink(missing_ok=True)
    with Store(folder / "subjects.duckdb") as store:
        ingest_file(store, "subjects", subjects_path)
    runs: dict[str, list[dict[str, float]]] = {"read_csv": [], "duckdb_load": [], "ingest": []}
    for _ in range(args.repeat):  # in turns, so a busy spell on the machine hits all three
        for mode, results in runs.items():
            results.append(measure(mode, folder))
    bare, load, ingest = (_median(runs[m]) for m in ("read_csv", "duckdb_load", "ingest"))
    print(f"medians of {args.repeat} runs each, every run in a fresh process")
    print(
        f"bare DuckDB load (read_csv into a table, no checks): {load['seconds']:.2f} s, "
        f"peak {load['peak_mb']:.0f} MB"
    )
    print(f"pandas.read_csv: {bare['seconds']:.2f} s, peak {bare['peak_mb']:.0f} MB")
    print(
        f"validated ingest: {ingest['seconds']:.2f} s, "
        f"{args.rows / ingest['seconds']:,.0f} rows/s, peak {ingest['peak_mb']:.0f} MB, "
        f"accepted {ingest['accepted']:,.0f}, rejected {ingest['rejected']:,.0f}; "
        f"reading {ingest['read']:.2f} s, checking {ingest['check']:.2f} s, "
        f"writing and commit {ingest['write']:.2f} s"
    )
    print(
        f"ratio ingest / bare DuckDB load: {ingest['seconds'] / load['seconds']:.2f}x "
        f"(target <= 2x); ingest / pandas.read_csv: {ingest['seconds'] / bare['seconds']:.2f}x"
    )
    print("each run (s): " + "; ".join(
        f"{mode} " + ", ".join(f"{r['seconds']:.2f}" for r in results)
        for mode, results in runs.items()
    ))  # fmt: skip


def _median(results: list[dict[str, float]]) -> dict[str, float]:
    """The median of every figure, each on its own."""
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


if __name__ == "__main__":
    main()
