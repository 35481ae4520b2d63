"""The service over a snapshot of 10,000,000 subjects written in parts: load time, the worker's
resident memory, and the sequential latency of GET grade.

Usage: ``python benchmarks/bench_serving_scale.py [--subjects 10000000] [--shards 40]
[--requests 10000] [--keep]``

The snapshot is synthesised the way ``bench_api.py`` makes its million (the rows of a small real
snapshot repeated under fresh, valid, distinct USCCs), but shard by shard: the USCCs are drawn
(18 bytes each, the only thing held for all subjects), each is given its shard by
``shard_of``, and each shard's grades, explanations, subjects and standing records are tiled from
the template and written with ``write_part``, then committed with ``commit_snapshot`` — no process
holds a whole table. Then one uvicorn worker serves it (as in ``bench_api.py``) and
:func:`measure_snapshot` reports the time until ``/readyz`` answers, ``VmRSS``/``VmHWM`` (and
``RssAnon``/``RssFile``) of the worker from ``/proc`` after load and after ``--requests``
sequential GET grade requests on random subjects over one keep-alive connection, and their
p50/p99. The snapshot is deleted at the end unless ``--keep``.

:func:`measure_snapshot` takes any published snapshot root: another benchmark (the Dask engine's)
calls it on the snapshot it published.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_api import start, template_snapshot  # noqa: E402

from credit_scoring.records.codes import generate_usccs  # noqa: E402
from credit_scoring.sharding import shards_of  # noqa: E402
from credit_scoring.snapshots import (  # noqa: E402
    Snapshot,
    commit_snapshot,
    current_snapshot_id,
    start_snapshot,
    write_part,
)
from credit_scoring.workflows import connect  # noqa: E402
from credit_scoring.workflows.keys import create_key  # noqa: E402

_BATCH = 1_000_000


def distinct_usccs(template: Snapshot, n: int, seed: int = 0) -> np.ndarray:
    """``n`` valid, distinct USCCs as sorted 18-byte strings, with the template's mix of subject
    types and regions (``bench_api.distinct_usccs`` without a Python string per subject)."""
    subjects = template.tables["subjects"]
    types = subjects.column("subject_type").to_pylist()
    regions = subjects.column("region_code").to_pylist()
    rng = np.random.default_rng(seed)
    found = np.empty(0, "S18")
    while len(found) < n:
        more = []
        for size in [_BATCH] * ((n - len(found)) // _BATCH) + [(n - len(found)) % _BATCH]:
            pick = rng.integers(0, len(types), size=size)
            codes = generate_usccs(rng, [types[i] for i in pick], [regions[i] for i in pick])
            more.append(np.array(codes, dtype="S18"))
        found = np.unique(np.concatenate([found, *more]))
    return found[np.sort(rng.choice(len(found), n, replace=False))] if len(found) > n else found


def _tile_shard(template: Snapshot, usccs: np.ndarray, rows: np.ndarray) -> dict[str, pa.Table]:
    """The per-subject tables of one shard: subject ``usccs[i]`` gets template row
    ``rows[i] mod n`` (``bench_api.tile``, for the subjects of one shard)."""
    n = template.tables["grades"].num_rows
    source = pa.array(rows % n)
    codes = pa.array(usccs.astype(str), pa.string())
    tables = {}
    for name in ("grades", "explanations", "subjects"):
        table = template.tables[name].take(source)
        tables[name] = table.set_column(table.schema.get_field_index("uscc"), "uscc", codes)
    standing = template.tables["standing"]
    keys = template.tables["grades"].column("uscc").to_numpy(zero_copy_only=False)
    owner = standing.column("uscc").to_numpy(zero_copy_only=False)
    lo, hi = np.searchsorted(owner, keys, "left"), np.searchsorted(owner, keys, "right")
    counts = (hi - lo)[rows % n]
    starts = np.repeat(lo[rows % n], counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    records = standing.take(pa.array(starts + within, pa.int64()))
    owners = pa.array(np.repeat(usccs, counts).astype(str), pa.string())
    tables["standing"] = records.set_column(0, "uscc", owners)
    return tables


def synthesise(template: Snapshot, root: Path, n: int, shards: int) -> dict[str, Any]:
    """Publish ``n`` subjects tiled from ``template`` under ``root`` in ``shards`` parts."""
    started = time.perf_counter()
    usccs = distinct_usccs(template, n)
    drawn = time.perf_counter()
    shard = shards_of((u.decode() for u in usccs), shards)
    placed = time.perf_counter()
    staging = start_snapshot(root, as_of=template.manifest.as_of)
    parts: dict[str, list] = {name: [] for name in ("grades", "explanations", "subjects",
                                                    "standing")}  # fmt: skip
    for k in range(shards):
        rows = np.flatnonzero(shard == k)
        for name, table in _tile_shard(template, usccs[rows], rows).items():
            parts[name].append(write_part(staging.directory, name, table, shard=k))
    manifest = template.manifest
    grading = manifest.model_dump(include={"policy_version", "model_version", "source", "fallback"})
    commit_snapshot(staging, parts, as_of=manifest.as_of, store_read_at=manifest.store_read_at,
                    grading=grading, shards=shards)  # fmt: skip
    done = time.perf_counter()
    size = sum(f.stat().st_size for f in (root / staging.snapshot_id).rglob("*"))
    return {"subjects": n, "shards": shards, "usccs_s": round(drawn - started, 1),
            "shard_of_s": round(placed - drawn, 1), "write_s": round(done - placed, 1),
            "bytes_on_disk": size}  # fmt: skip


def memory(pid: int) -> dict[str, float]:
    """The process's VmRSS, VmHWM, RssAnon and RssFile in MB (from /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: round(int(re.search(rf"{key}:\s+(\d+)", status).group(1)) / 1024)  # type: ignore[union-attr]
            for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}  # fmt: skip


def _sequential(port: int, key: str, usccs: list[str]) -> np.ndarray:
    """Milliseconds per GET grade, one keep-alive connection, one request at a time."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    times = np.empty(len(usccs))
    for i, uscc in enumerate(usccs):
        started = time.perf_counter()
        connection.request("GET", f"/v1/subjects/{uscc}/grade", headers={"X-API-Key": key})
        response = connection.getresponse()
        body = response.read()
        times[i] = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"GET grade {uscc}: {response.status} {body[:200]!r}")
    connection.close()
    return times


def _sample(root: Path, requests: int, seed: int) -> list[str]:
    """Random subjects of the snapshot (read here from its mapped parts, not in the server)."""
    snapshot = Snapshot(root / str(current_snapshot_id(root)), verify=False)
    grades = snapshot.tables["grades"]
    rows = np.random.default_rng(seed).integers(0, grades.num_rows, requests)
    return grades.column("uscc").take(pa.array(rows)).to_pylist()


def measure_snapshot(
    root: Path, *, workdir: Path, db_path: Path, requests: int = 10_000, port: int = 8021,
    verify: bool = True, seed: int = 1,
) -> dict[str, Any]:  # fmt: skip
    """Serve the current snapshot under ``root`` with one uvicorn worker and measure it.

    ``db_path`` is a records store the service may open (any; GET grade does not read it).
    Returns the load time (start until ``/readyz`` answers), the worker's memory after load
    and after ``requests`` sequential GET grade requests on random subjects, and their latency
    (p50, p99, max in ms); then a second pass over other random subjects (pages already
    mapped by the first).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'serving-scale-workflow.db'}"
    _, key = create_key(connect(url), name="bench", role="regulator", actor="bench")
    first, second = _sample(root, requests, seed), _sample(root, requests, seed + 1)
    env = {"CREDIT_SCORING_SNAPSHOT_DIR": str(root), "CREDIT_SCORING_WORKFLOW_DB_URL": url,
           "CREDIT_SCORING_DB_PATH": str(db_path),
           "CREDIT_SCORING_VERIFY_SNAPSHOTS": "true" if verify else "false"}  # fmt: skip
    server, load_s = start(["api.main:create_app", "--factory", "--port", str(port)], env,
                           f"http://127.0.0.1:{port}/readyz")  # fmt: skip
    try:
        result: dict[str, Any] = {"verify": verify, "load_s": round(load_s, 2),
                                  "after_load_mb": memory(server.pid)}  # fmt: skip
        for name, sample in (("first_pass", first), ("second_pass", second)):
            times = _sequential(port, key, sample)
            result[name] = {
                "requests": len(sample), "p50_ms": round(float(np.percentile(times, 50)), 3),
                "p99_ms": round(float(np.percentile(times, 99)), 3),
                "max_ms": round(float(times.max()), 1), "memory_mb": memory(server.pid),
            }  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=10_000_000)
    parser.add_argument("--shards", type=int, default=40)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--template-subjects", type=int, default=5_000)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench-api"))
    parser.add_argument("--keep", action="store_true", help="keep the synthesised snapshot")
    args = parser.parse_args()
    folder = args.workdir
    folder.mkdir(parents=True, exist_ok=True)
    template = template_snapshot(folder, args.template_subjects)
    root = folder / f"snapshots-parts-{args.subjects}-{args.shards}"
    results: dict[str, Any] = {"date": dt.date.today().isoformat(), "cores": os.cpu_count()}
    try:
        if current_snapshot_id(root) is None:
            results["synthesis"] = synthesise(template, root, args.subjects, args.shards)
            print(json.dumps(results["synthesis"]), flush=True)
        del template
        for verify in (True, False):
            run = measure_snapshot(root, workdir=folder, db_path=folder / "template.duckdb",
                                   requests=args.requests, verify=verify)  # fmt: skip
            results[f"verify_{str(verify).lower()}"] = run
            print(json.dumps(run), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    (folder / f"serving-scale-{args.subjects}.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
