"""In-process cost of one request: ASGI calls straight into the apps, no sockets, no uvicorn.

Usage: ``python benchmarks/profile_api.py [--subjects 20000] [--requests 20000] [--profile grade]``
after ``bench_api.py`` has synthesised ``data/bench-api/snapshots-<subjects>``.

Each round times ``--requests`` calls of the bare constant endpoint, GET grade and GET explanation
(random subjects, a regulator key), interleaved; the figure is µs per request, median of rounds.
``--profile grade`` (or ``explanation``, ``bare``) prints the top of a cProfile of one target.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from api import Settings, create_app
from api.services import Services
from credit_scoring.snapshots import Snapshot, current_snapshot_id
from credit_scoring.workflows import connect
from credit_scoring.workflows.keys import create_key

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bare_app import app as bare_app  # noqa: E402


def scope(path: str, query: str, key: str | None) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8011"), (b"user-agent", b"wrk")]
    if key:
        headers.append((b"x-api-key", key.encode()))
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": query.encode(), "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8011)}  # fmt: skip


async def call(app: Any, s: dict[str, Any]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(s, receive, send)
    return status


async def timed(app: Any, scopes: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for s in scopes:
        status = await call(app, s)
        if status != 200:
            raise SystemExit(f"{s['path']}: {status}")
    return (time.perf_counter() - started) / len(scopes) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=["bare", "grade", "explanation"])
    parser.add_argument("--callers", help="also print the callers of functions matching this")
    parser.add_argument("--workdir", type=Path, default=Path("data/bench-api"))
    args = parser.parse_args()
    root = args.workdir / f"snapshots-{args.subjects}"
    snapshot = Snapshot(root / str(current_snapshot_id(root)), verify=False)
    usccs = snapshot.tables["grades"].column("uscc").to_numpy(zero_copy_only=False)
    del snapshot
    picks = np.random.default_rng(1).choice(usccs, args.requests)
    url = f"sqlite:///{args.workdir / 'profile-workflow.db'}"
    _, key = create_key(connect(url), name="profile", role="regulator", actor="profile")
    settings = Settings(snapshot_dir=root, workflow_db_url=url, verify_snapshots=False,
                        db_path=args.workdir / "template.duckdb", poll_seconds=3600)  # fmt: skip
    app = create_app(settings)
    app.state.services = Services.start(settings)  # the lifespan's work, without its poll loop
    targets = {
        "bare": (bare_app, [scope("/constant", u, None) for u in picks]),
        "grade": (app, [scope(f"/v1/subjects/{u}/grade", "", key) for u in picks]),
        "explanation": (app, [scope(f"/v1/subjects/{u}/explanation", "", key) for u in picks]),
    }
    loop = asyncio.new_event_loop()
    for target_app, scopes in targets.values():  # warm-up
        loop.run_until_complete(timed(target_app, scopes[:2000]))
    if args.profile:
        target_app, scopes = targets[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        loop.run_until_complete(timed(target_app, scopes))
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(35)
        if args.callers:
            stats.print_callers(args.callers)
        return
    runs: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, (target_app, scopes) in targets.items():
            runs[name].append(loop.run_until_complete(timed(target_app, scopes)))
    for name, values in runs.items():
        print(f"{name:12} {np.median(values):7.1f} µs/request  "
              f"(rounds: {', '.join(f'{v:.1f}' for v in values)})")  # fmt: skip


if __name__ == "__main__":
    main()
