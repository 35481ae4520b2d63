"""The HTTP API under load: GET grade and GET explanation for random subjects of a
1,000,000-subject snapshot, beside a bare FastAPI endpoint returning a constant.

Usage: ``python benchmarks/bench_api.py [--subjects 1000000] [--duration 20]``
(needs ``wrk``: ``apt-get install wrk``).

The snapshot is synthesised: a city of ``--template-subjects`` subjects is generated, ingested,
graded and explained (rule scorer: no trained model needed) and published; its rows — grades,
explanations, masked subjects, standing records — are then repeated under fresh, valid, distinct
USCCs until there are ``--subjects`` of them, and published as one snapshot. Each server is one
uvicorn worker (uvloop + httptools, no access log) on loopback, measured one at a time with
``wrk``: one connection for 10 s (requests in sequence), then 32 connections for ``--duration``
seconds; ``--rounds`` rounds interleave the three targets and the median round is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.grading import Grader
from credit_scoring.records.codes import generate_usccs
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.snapshots import Snapshot, current_snapshot_id, publish, publish_snapshot
from credit_scoring.synth import generate_city
from credit_scoring.workflows import connect
from credit_scoring.workflows.keys import create_key

AS_OF = dt.date(2026, 9, 30)
HERE = Path(__file__).resolve().parent


def template_snapshot(folder: Path, n_subjects: int) -> Snapshot:
    root = folder / "template-snapshots"
    if current_snapshot_id(root) is None:
        city = generate_city(folder / "template-city", n_subjects=n_subjects, seed=7, end=AS_OF)
        with Store(folder / "template.duckdb") as store:
            ingest_directory(store, city.out_dir)
        with Store(folder / "template.duckdb", read_only=True) as store:
            publish(store, root, as_of=AS_OF, grader=Grader.rules_only())
    return Snapshot(root / str(current_snapshot_id(root)))


def distinct_usccs(template: Snapshot, n: int) -> np.ndarray:
    """``n`` valid, distinct USCCs, sorted, with the template's mix of types and regions."""
    subjects = template.tables["subjects"]
    types = subjects.column("subject_type").to_pylist()
    regions = subjects.column("region_code").to_pylist()
    rng = np.random.default_rng(0)
    found: set[str] = set()
    while len(found) < n:
        pick = rng.integers(0, len(types), size=n - len(found))
        found.update(generate_usccs(rng, [types[i] for i in pick], [regions[i] for i in pick]))
    return np.array(sorted(found), dtype=object)


def tile(template: Snapshot, usccs: np.ndarray) -> dict[str, pa.Table]:
    """Row j of every per-subject table is template row j mod n under ``usccs[j]``."""
    n, big = template.tables["grades"].num_rows, len(usccs)
    source = np.arange(big) % n
    codes = pa.array(usccs, pa.string())
    tables = {}
    for name in ("grades", "explanations", "subjects"):
        table = template.tables[name].take(pa.array(source))
        tables[name] = table.set_column(table.schema.get_field_index("uscc"), "uscc", codes)
    standing = template.tables["standing"]
    keys = template.tables["grades"].column("uscc").to_numpy(zero_copy_only=False)
    owner = standing.column("uscc").to_numpy(zero_copy_only=False)
    lo, hi = np.searchsorted(owner, keys, "left"), np.searchsorted(owner, keys, "right")
    counts = (hi - lo)[source]
    starts = np.repeat(lo[source], counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = standing.take(pa.array(starts + within))
    tables["standing"] = rows.set_column(0, "uscc", pa.array(np.repeat(usccs, counts), pa.string()))
    return tables


def start(args: list[str], env: dict[str, str], ready_url: str) -> tuple[subprocess.Popen, float]:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", *args, "--no-access-log",
                                "--log-level", "warning"], env={**os.environ, **env})  # fmt: skip
    while True:
        try:
            with urllib.request.urlopen(ready_url, timeout=1) as response:
                if response.status == 200:
                    return process, time.perf_counter() - started
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"server exited: {args}") from None
            time.sleep(0.2)


def rss_mb(process: subprocess.Popen) -> float:
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def wrk(url_base: str, path_template: str, connections: int, seconds: int,
        env: dict[str, str]) -> dict[str, float]:  # fmt: skip
    threads = 1 if connections == 1 else 2
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", str(HERE / "wrk_random.lua"), url_base],
        env={**os.environ, **env, "PATH_TEMPLATE": path_template},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise SystemExit(f"errors under load:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--template-subjects", type=int, default=5_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench-api"))
    args = parser.parse_args()
    folder = args.workdir
    folder.mkdir(parents=True, exist_ok=True)
    template = template_snapshot(folder, args.template_subjects)
    root = folder / f"snapshots-{args.subjects}"
    if current_snapshot_id(root) is None:
        started = time.perf_counter()
        tables = tile(template, distinct_usccs(template, args.subjects))
        manifest = template.manifest
        grading = manifest.model_dump(
            include={"policy_version", "model_version", "source", "fallback"}
        )
        publish_snapshot(root, tables, as_of=manifest.as_of, store_read_at=manifest.store_read_at,
                         grading=grading)  # fmt: skip
        print(f"synthesised and published {args.subjects:,} subjects in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    snapshot = Snapshot(root / str(current_snapshot_id(root)), verify=False)
    explanations = snapshot.tables["explanations"]
    json_bytes = (
        sum(
            pc.sum(pc.binary_length(explanations.column(c))).as_py()
            for c in ("overrides", "reasons", "positives", "second_opinion")
        )
        / explanations.num_rows
    )
    sample = np.random.default_rng(1).choice(
        snapshot.tables["grades"].column("uscc").to_numpy(zero_copy_only=False), 100_000
    )
    (folder / "usccs.txt").write_text("\n".join(sample) + "\n")
    del snapshot, explanations
    url = f"sqlite:///{folder / 'workflow.db'}"
    _, key = create_key(connect(url), name="bench", role="regulator", actor="bench")
    service_env = {"CREDIT_SCORING_SNAPSHOT_DIR": str(root), "CREDIT_SCORING_WORKFLOW_DB_URL": url,
                   "CREDIT_SCORING_DB_PATH": str(folder / "template.duckdb")}  # fmt: skip
    api, load_s = start(["api.main:create_app", "--factory", "--port", "8011"], service_env,
                        "http://127.0.0.1:8011/readyz")  # fmt: skip
    bare, _ = start(["bare_app:app", "--app-dir", str(HERE), "--port", "8012"], {},
                    "http://127.0.0.1:8012/constant")  # fmt: skip
    env = {"USCC_FILE": str(folder / "usccs.txt"), "API_KEY": key}
    targets = [
        ("bare constant", "http://127.0.0.1:8012", "/constant?%s"),
        ("GET grade", "http://127.0.0.1:8011", "/v1/subjects/%s/grade"),
        ("GET explanation", "http://127.0.0.1:8011", "/v1/subjects/%s/explanation"),
    ]
    results = {"subjects": args.subjects, "snapshot_load_s": round(load_s, 1),
               "server_rss_mb": round(rss_mb(api)), "explanation_json_bytes": round(json_bytes),
               "rounds": []}  # fmt: skip
    try:
        # Rounds interleave the targets, so a neighbour's burst on the shared cores hits all of
        # them alike; the summary is the median round of each figure.
        for _ in range(args.rounds):
            runs = {}
            for name, base, path in targets:
                wrk(base, path, 32, 3, env)  # warm-up
                runs[name] = {
                    "sequential": wrk(base, path, 1, 10, env),
                    "concurrent_32": wrk(base, path, 32, args.duration, env),
                }
                print(name, json.dumps(runs[name]), flush=True)
            results["rounds"].append(runs)
    finally:
        for server in (api, bare):
            server.terminate()
            server.wait()
    results["median"] = {
        name: {
            mode: {
                figure: float(np.median([r[name][mode][figure] for r in results["rounds"]]))
                for figure in ("requests_per_s", "p50_ms", "p99_ms")
            }
            for mode in ("sequential", "concurrent_32")
        }
        for name, _, _ in targets
    }
    (folder / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results["median"], indent=2))


if __name__ == "__main__":
    main()
