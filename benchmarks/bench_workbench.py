"""Workbench pages on a 1,000,000-subject snapshot: p50/p95 of the subject page, the queues,
the search and the dashboard, served in-process (``TestClient``: the service's own time, no
network), one request at a time.

Usage: ``python benchmarks/bench_workbench.py [--subjects 1000000] [--requests 300]``.
The snapshot is the one ``benchmarks/bench_api.py`` synthesises (built here if missing, under
the same ``--workdir``); 2,000 objections and 500 repair applications are written to a fresh
workflow database so the queues have something to list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
from bench_api import AS_OF, distinct_usccs, template_snapshot, tile  # beside this file
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import Settings, create_app
from credit_scoring.snapshots import Snapshot, current_snapshot_id, publish_snapshot
from credit_scoring.workflows import connect
from credit_scoring.workflows.database import Objection, RepairApplication
from credit_scoring.workflows.keys import create_key


def snapshot_root(folder: Path, subjects: int, template_subjects: int) -> Path:
    template = template_snapshot(folder, template_subjects)
    root = folder / f"snapshots-{subjects}"
    if current_snapshot_id(root) is None:
        tables = tile(template, distinct_usccs(template, subjects))
        manifest = template.manifest
        grading = manifest.model_dump(include={"policy_version", "model_version", "source",
                                               "fallback"})  # fmt: skip
        publish_snapshot(root, tables, as_of=manifest.as_of, store_read_at=manifest.store_read_at,
                         grading=grading)  # fmt: skip
    return root


def cases(url: str, usccs: np.ndarray) -> None:
    """Pending and overdue cases, as a busy office's queues hold them."""
    engine = connect(url)
    with Session(engine) as session:
        for i, uscc in enumerate(usccs[:2500]):
            common = {
                "uscc": str(uscc), "record_table": "penalties", "record_id": f"CF{i:08d}",
                "decide_due": AS_OF + dt.timedelta(days=i % 20), "status": "pending",
                "grade_before": "C", "before_as_of": AS_OF, "before_scorer": "rules",
            }  # fmt: skip
            if i < 2000:
                session.add(Objection(**common, reason="记录有误", filed_by="bench",
                                      filed_on=AS_OF, flag_due=AS_OF))  # fmt: skip
            else:
                session.add(RepairApplication(**common, applicant="bench", applied_on=AS_OF,
                                              fine_paid=True, behaviour_corrected=True,
                                              commitment_signed=True))  # fmt: skip
        session.commit()


def timed(client: TestClient, paths: list[str]) -> dict[str, float]:
    seconds = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path, follow_redirects=False)
        seconds.append(time.perf_counter() - started)
        assert response.status_code in (200, 303), (path, response.status_code, response.text[:300])
        assert "/login" not in response.headers.get("location", ""), "the session was lost"
    ms = sorted(1000 * s for s in seconds)
    return {"n": len(ms), "p50": statistics.median(ms), "p95": ms[int(0.95 * (len(ms) - 1))],
            "max": ms[-1]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--template-subjects", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench-api"))
    args = parser.parse_args()
    folder = args.workdir
    folder.mkdir(parents=True, exist_ok=True)
    root = snapshot_root(folder, args.subjects, args.template_subjects)
    snapshot = Snapshot(root / str(current_snapshot_id(root)), verify=False)
    usccs = snapshot.tables["grades"].column("uscc").to_numpy(zero_copy_only=False)
    names = snapshot.tables["subjects"].column("name").to_numpy(zero_copy_only=False)
    del snapshot
    workflow = folder / "workbench-workflow.db"
    workflow.unlink(missing_ok=True)
    url = f"sqlite:///{workflow}"
    rng = np.random.default_rng(1)
    cases(url, rng.choice(usccs, 2500, replace=False))
    _, key = create_key(connect(url), name="bench", role="reviewer", actor="bench")
    store = folder / "workbench-store.duckdb"
    shutil.copy(folder / "template.duckdb", store)
    settings = Settings(snapshot_dir=root, workflow_db_url=url, db_path=store,
                        today=dt.date(2026, 10, 9), verify_snapshots=False)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        signed_in = client.post("/workbench/login", data={"api_key": key}, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        sample = rng.choice(usccs, args.requests)
        started = time.perf_counter()
        dashboard = client.get("/workbench/")
        first_dashboard = time.perf_counter() - started
        assert "<h1>概览</h1>" in dashboard.text
        results = {
            "subject page": timed(client, [f"/workbench/subjects/{u}" for u in sample]),
            "objections queue (2,000 pending)": timed(client, ["/workbench/objections"] * 50),
            "overdue objections": timed(client, ["/workbench/objections?overdue=true"] * 50),
            "repairs queue (500 pending)": timed(client, ["/workbench/repairs"] * 50),
            "search by name prefix": timed(
                client, [f"/workbench/subjects?q={n[:4]}" for n in rng.choice(names, 50)]),
            "dashboard (warm)": timed(client, ["/workbench/"] * 10),
        }  # fmt: skip
    print(f"{args.subjects:,} subjects; first dashboard (aggregates computed): "
          f"{first_dashboard:.2f} s")  # fmt: skip
    print("| page | requests | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|")
    for page, r in results.items():
        print(f"| {page} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |")


if __name__ == "__main__":
    main()
