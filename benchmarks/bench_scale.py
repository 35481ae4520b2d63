"""Beyond one machine (issue 17): a sharded city on a Dask LocalCluster against the local engine.

    python benchmarks/bench_scale.py [--subjects 10000000] [--shards 40] [--pieces 10]
        [--workers 2] [--memory-limit 4GB] [--local-subjects 1000000 (0: skip)] [--workdir DIR]
        [--keep]

1. The local engine on ``--local-subjects`` (one store, this machine's way before issue 17), in
   a fresh process: generate, ingest, features, grades, publish; time per stage and the
   process's peak memory.
2. The dask engine on ``--subjects``: the city generated in ``--pieces`` independent pieces
   (seeds 1, 2, …) on the workers, each piece's files ingested into a sharded store of
   ``--shards`` shards (each row to its subject's shard, the shards' ingests on the workers);
   then features and grades written in parts, and publish (grades, explanations, subjects,
   standing records: one snapshot part per shard, written by the workers). Time per stage, and
   each worker's peak resident memory (``ru_maxrss`` read in the worker process).
3. The HTTP service on the published snapshot (``bench_serving_scale.measure_snapshot``): its
   memory and the latency of sequential GET grade requests.

The champion of ``data/demo/mlruns`` (``make demo``) grades when it exists (the GBM and its
SHAP reasons: the heavy path), else the rule scorecard, and the output says which. Results are
printed and written to ``DIR/result.json``; the city, the stores and the snapshot are deleted
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_serving_scale import measure_snapshot

from credit_scoring.distributed import jobs
from credit_scoring.distributed.engine import open_engine
from credit_scoring.distributed.ingest import ingest_sharded
from credit_scoring.distributed.layout import ShardLayout
from credit_scoring.distributed.store import open_store
from credit_scoring.features import load_catalog
from credit_scoring.grading import Grader
from credit_scoring.records.ingestion import INGEST_ORDER
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings
from credit_scoring.synth import generate_city

AS_OF = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 10, 1)
DEMO_MLRUNS = Path(__file__).resolve().parents[1] / "data" / "demo" / "mlruns"


def _grader(store: Store) -> Grader:
    return Grader.load(store, Settings(mlruns=DEMO_MLRUNS) if DEMO_MLRUNS.is_dir() else None)


def _timed(stages: dict[str, float], name: str, started: float) -> float:
    now = time.perf_counter()
    stages[name] = round(now - started, 1)
    print(f"  {name}: {stages[name]:,.1f} s", flush=True)
    return now


def local_run(subjects: int, workdir: Path) -> dict[str, Any]:
    """The local engine on one store, in this process (run in a fresh one)."""
    from credit_scoring.distributed.engine import LocalEngine
    from credit_scoring.records.ingestion import ingest_directory

    stages: dict[str, float] = {}
    clock = time.perf_counter()
    files = generate_city(workdir / "local-city", n_subjects=subjects, seed=0, end=AS_OF)
    clock = _timed(stages, "generate", clock)
    db = workdir / "local.duckdb"
    with Store(db) as store:
        ingest_directory(store, files.out_dir, today=TODAY)
    clock = _timed(stages, "ingest", clock)
    with Store(db, read_only=True) as store:
        grader = _grader(store)
    engine = LocalEngine()
    catalog = load_catalog().risk_features()
    rows = jobs.write_parts(db, workdir / "local-features", as_of=AS_OF, engine=engine,
                            catalog=catalog)  # fmt: skip
    clock = _timed(stages, "features", clock)
    jobs.write_parts(db, workdir / "local-grades", as_of=AS_OF, engine=engine, grader=grader)
    clock = _timed(stages, "grades", clock)
    jobs.publish(db, workdir / "local-snapshots", as_of=AS_OF, grader=grader, engine=engine)
    _timed(stages, "publish (features, grades, explanations, subjects, standing)", clock)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"subjects": rows, "stages_s": stages, "peak_mb": round(peak),
            "scorer": grader.describe()["source"]}  # fmt: skip


def _piece(number: int, *, subjects: int, out: Path) -> dict[str, str]:
    files = generate_city(out / f"piece-{number:03d}", n_subjects=subjects, seed=number, end=AS_OF)
    return {name: str(path) for name, path in files.files.items()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dask_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    stages: dict[str, float] = {}
    each = args.subjects // args.pieces
    with open_engine("dask", workers=args.workers, memory_limit=args.memory_limit) as engine:
        clock = time.perf_counter()
        pieces = engine.map(_piece, list(range(1, args.pieces + 1)), subjects=each,
                            out=workdir / "city")  # fmt: skip
        clock = _timed(stages, f"generate ({args.pieces} pieces on the workers)", clock)
        layout = ShardLayout.create(workdir / "shards", args.shards)
        rows = 0
        for number, files in enumerate(pieces, start=1):
            for table in INGEST_ORDER:
                if table in files:
                    results = ingest_sharded(layout.directory, table, Path(files[table]),
                                             today=TODAY, engine=engine)  # fmt: skip
                    rows += sum(r.rows_read for r in results if table != "inspectors")
            shutil.rmtree(Path(files["subjects"]).parent)  # the piece's files, once ingested
            print(f"    piece {number} of {args.pieces} ingested", flush=True)
        clock = _timed(stages, "ingest into the shards", clock)
        with open_store(layout.directory, read_only=True) as store:
            grader = _grader(store)
        catalog = load_catalog().risk_features()
        subjects = jobs.write_parts(layout.directory, workdir / "features", as_of=AS_OF,
                                    engine=engine, catalog=catalog)  # fmt: skip
        clock = _timed(stages, "features", clock)
        jobs.write_parts(layout.directory, workdir / "grades", as_of=AS_OF, engine=engine,
                         grader=grader)  # fmt: skip
        clock = _timed(stages, "grades", clock)
        jobs.publish(layout.directory, workdir / "snapshots", as_of=AS_OF, grader=grader,
                     engine=engine)  # fmt: skip
        _timed(stages, "publish (features, grades, explanations, subjects, standing)", clock)
        peaks = engine.client.run(_peak_mb)  # type: ignore[attr-defined]
    return {
        "subjects": subjects, "records_ingested": rows, "shards": args.shards,
        "workers": args.workers, "memory_limit": args.memory_limit, "stages_s": stages,
        "worker_peak_mb": {w.rsplit(":", 1)[-1]: round(v) for w, v in peaks.items()},
        "coordinator_peak_mb": round(_peak_mb()), "scorer": grader.describe()["source"],
        "store_gb": round(sum(p.stat().st_size for p in layout.paths) / 2**30, 2),
    }  # fmt: skip


def local_in_child(subjects: int, workdir: Path) -> dict[str, Any]:
    """Step 1 in a fresh process, so its peak memory is its own."""
    print(f"local engine, {subjects:,} subjects (fresh process)", flush=True)
    child = subprocess.run(
        [sys.executable, __file__, "--local-only", "--local-subjects", str(subjects),
         "--workdir", str(workdir)],
        check=True, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    print(child.stdout.rsplit("\n", 2)[0], flush=True)
    return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=10_000_000)
    parser.add_argument("--shards", type=int, default=40)
    parser.add_argument("--pieces", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--local-subjects", type=int, default=1_000_000, help="0: skip step 1")
    parser.add_argument("--workdir", type=Path, default=Path("data/bench-scale"))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--local-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    if args.local_only:  # the child process of step 1
        print(json.dumps(local_run(args.local_subjects, workdir)))
        return
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"date": dt.date.today().isoformat(), "cpus": os.cpu_count()}
    result["local"] = local_in_child(args.local_subjects, workdir) if args.local_subjects else None
    print(f"dask engine, {args.subjects:,} subjects, {args.shards} shards, {args.workers} workers "
          f"of {args.memory_limit}", flush=True)  # fmt: skip
    result["dask"] = dask_run(args, workdir)
    print("the HTTP service on the published snapshot", flush=True)
    result["api"] = measure_snapshot(workdir / "snapshots", workdir=workdir / "api",
                                     db_path=ShardLayout.open(workdir / "shards").paths[0],
                                     verify=False)  # fmt: skip
    (workdir / "result.json").write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))
    if not args.keep:
        made = ("city", "shards", "snapshots", "features", "grades", "local-city",
                "local.duckdb", "local-features", "local-grades", "local-snapshots")  # fmt: skip
        for name in made:
            path = workdir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


if __name__ == "__main__":
    main()
