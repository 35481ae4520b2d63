"""Batch credit checks: a 10,000-row list checked against a published snapshot (target < 10 s).

Usage: ``python benchmarks/bench_batch_checks.py [--rows 10000] [--db data/demo/credit.duckdb]
[--snapshots /tmp/bench-batch-checks/snapshots] [--scenario procurement]``

Publishes a snapshot of the demo store (``make demo``) as of 2026-09-30 with its champion, unless
``--snapshots`` already holds one, then writes a list of ``--rows`` rows as XLSX and as CSV:
distinct codes of the snapshot (every listed subject among them, so measures and records are
exercised), 5% repeats, 2% malformed codes, 1% wrong check characters, 1% unknown codes and 1%
empty cells, with four other columns. Each file is checked in a fresh process, the way
``credit-scoring check`` does it: load what is served (snapshot and regrades), read the list,
check every row, write the workbook (result and 汇总 sheets). Prints one JSON object with the
time of each step, the total and peak memory.
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

AS_OF = dt.date(2026, 9, 30)
DAY = dt.date(2026, 10, 9)
SHARES = {"repeat": 0.05, "malformed": 0.02, "typo": 0.01, "unknown": 0.01, "empty": 0.01}


def ensure_snapshot(db: Path, root: Path) -> str:
    """The current snapshot under ``root``, published from ``db`` first if there is none."""
    from credit_scoring.grading import Grader
    from credit_scoring.records.store import Store
    from credit_scoring.snapshots import current_snapshot_id, publish

    current = current_snapshot_id(root)
    if current is None:
        with Store(db, read_only=True) as store:
            current = publish(store, root, as_of=AS_OF, grader=Grader.load(store)).snapshot_id
    return current


def write_lists(root: Path, folder: Path, rows: int, seed: int = 0) -> list[Path]:
    """The list, as XLSX and CSV, mixing every kind of code in the shares of :data:`SHARES`."""
    import numpy as np
    import pandas as pd

    from credit_scoring.records.codes import uscc_check_char
    from credit_scoring.snapshots import Snapshot, current_snapshot_id

    rng = np.random.default_rng(seed)
    snapshot = Snapshot(root / str(current_snapshot_id(root)), verify=False)
    known = snapshot.tables["subjects"].column("uscc").to_pylist()
    listed = sorted({e["uscc"] for e in snapshot.list_entries})
    n_bad = {kind: int(rows * share) for kind, share in SHARES.items()}
    n_good = rows - sum(n_bad.values())
    others = rng.permutation([u for u in known if u not in set(listed)]).tolist()
    good = (listed + others)[:n_good]
    typos = [c[:17] + ("0" if c[17] != "0" else "1") for c in good[: n_bad["typo"]]]
    unknown = [f"91350200MA{i:07d}" for i in range(n_bad["unknown"])]
    codes = [
        *good,
        *rng.choice(good, n_bad["repeat"]).tolist(),
        *[c[:16] for c in good[: n_bad["malformed"]]],
        *typos,
        *[u + uscc_check_char(u) for u in unknown],
        *[""] * n_bad["empty"],
    ]
    codes = rng.permutation(codes).tolist()
    frame = pd.DataFrame({
        "序号": [f"{i:05d}" for i in range(1, rows + 1)], "统一社会信用代码": codes,
        "申报单位": [f"申报单位{i}" for i in range(rows)], "联系电话": ["0592-1234567"] * rows,
        "备注": ["第一批"] * rows,
    })  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, csv = folder / "list.xlsx", folder / "list.csv"
    frame.to_excel(xlsx, index=False)
    frame.to_csv(csv, index=False, encoding="gb18030")  # as offices export them
    return [xlsx, csv]


def measure(path: Path, root: Path, scenario: str) -> dict[str, object]:
    """One list checked end to end, each step timed (run in a fresh process)."""
    from credit_scoring.batch_checks import check_list, read_list
    from credit_scoring.workflows import connect, served_now

    steps: dict[str, float] = {}
    started = last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps[name] = round(now - last, 3)
        last = now

    served = served_now(root, connect(f"sqlite:///{path.parent / 'workflow.db'}"))
    step("load_served")
    listed = read_list(path)
    step("read_list")
    batch = check_list(served, listed, scenario, DAY)
    step("check_rows")
    (path.parent / f"result-{path.suffix[1:]}.xlsx").write_bytes(batch.xlsx())
    step("write_xlsx")
    return {
        "file": path.name, "rows_in": len(listed.rows), "rows_out": len(batch.rows),
        "seconds": steps, "total_seconds": round(time.perf_counter() - started, 3),
        "outcomes": batch.counts(), "repeats": batch.repeats(), "measures": batch.measure_counts(),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path("data/demo/credit.duckdb"))
    parser.add_argument("--snapshots", type=Path, default=Path("/tmp/bench-batch-checks/snapshots"))
    parser.add_argument("--scenario", default="procurement")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.snapshots, args.scenario), ensure_ascii=False))
        return
    snapshot_id = ensure_snapshot(args.db, args.snapshots)
    lists = write_lists(args.snapshots, args.snapshots.parent / "lists", args.rows)
    results = []
    for path in lists:
        child = [sys.executable, __file__, "--measure", str(path), "--snapshots",
                 str(args.snapshots), "--scenario", args.scenario]  # fmt: skip
        out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out))
    print(json.dumps({"snapshot_id": snapshot_id, "rows": args.rows, "scenario": args.scenario,
                      "runs": results}, ensure_ascii=False, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
