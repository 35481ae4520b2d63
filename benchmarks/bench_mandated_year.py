"""A year of quarterly plans on the demo city: are the mandated inspections all done?

Usage: ``python benchmarks/bench_mandated_year.py [--workdir data/demo] [--hire 0]``
(run ``credit-scoring demo`` first; its store is copied, never changed).

Draws the four quarterly plans of the year before the city's last day at the policy's rates,
each graded as of its date by the store's champion; plays the inspectors on every staffed
inspection (outcomes from the simulator's truth) and ingests the results before the next plan.
On the city's last day it prints the frequency list's figures: subjects bound by a mandated
minimum, overdue before and after the year of plans, why each one still overdue is (its grade
worsened after the last plan, or its mandated inspection waited for inspectors), and how many
name the plan that took them. ``--hire N`` adds N inspectors to every department first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from credit_scoring.demo import DEMO_END
from credit_scoring.grading import Grader
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.store import Store
from credit_scoring.supervision import create_plan, inspection_frequencies
from credit_scoring.synth.plan_truth import simulate_results

RANK = {g: i for i, g in enumerate("ABCD")}


def _hire(store: Store, per_department: int) -> None:
    rows = [{"inspector_id": f"NEW{i:02d}{k:02d}", "name": f"新增{i}-{k}", "department": d.name,
             "active": True} for i, d in enumerate(load_sampling_policy().departments)
            for k in range(per_department)]  # fmt: skip
    store.con.register("_hired", pd.DataFrame(rows))
    store.con.execute("INSERT INTO inspectors BY NAME SELECT * FROM _hired")


def run(workdir: Path, hire: int) -> dict[str, object]:
    period = load_sampling_policy().period_days
    start = DEMO_END - dt.timedelta(days=4 * period)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "credit.duckdb"
        shutil.copy(workdir / "credit.duckdb", db)
        with Store(db) as store:
            grader = Grader.load(store)
            before = inspection_frequencies(store, as_of=DEMO_END, grader=grader)
            if hire:
                _hire(store, hire)
            plans, seconds, last_grades = [], [], None
            for quarter in range(4):
                as_of = start + dt.timedelta(days=quarter * period)
                last_grades = grader.grade_store(store, as_of=as_of)
                started = time.perf_counter()
                plan = create_plan(store, as_of=as_of, seed=quarter, grades=last_grades)
                seconds.append(round(time.perf_counter() - started, 1))
                results = simulate_results(plan, workdir / "city" / "truth", seed=quarter)
                results = results[results["inspectors"].notna()]  # pending: not carried out
                path = Path(tmp) / f"results-{quarter}.csv"
                results.to_csv(path, index=False)
                ingest_file(store, "inspections", path, today=dt.date.today())
                plans.append(plan)
            after = inspection_frequencies(store, as_of=DEMO_END, grader=grader)
    assert last_grades is not None
    bound = after["minimum_frequency"].notna()
    overdue = after[after["overdue"]]
    earlier = overdue["uscc"].map(last_grades.set_index("uscc")["grade"]).map(RANK)
    worsened = overdue["grade"].map(RANK) > earlier
    pending = {u for p in plans for u in p.items.loc[p.items["assignment"] == "pending", "uscc"]}
    return {
        "start": start.isoformat(), "check": DEMO_END.isoformat(), "hired_per_department": hire,
        "subjects": len(after), "bound_by_a_minimum": int(bound.sum()),
        "overdue_before": int(before["overdue"].sum()), "overdue_after": len(overdue),
        "overdue_after_grade_worsened": int(worsened.sum()),
        "overdue_after_waited_for_inspectors": int(overdue["uscc"].isin(pending).sum()),
        "naming_a_plan": int(after["planned_in"].notna().sum()),
        "mandated_per_plan": [int((p.items["stratum"] == "due").sum()) for p in plans],
        "random_per_plan": [p.budget for p in plans],
        "pending_per_plan": [int((p.items["assignment"] == "pending").sum()) for p in plans],
        "seconds_per_plan": seconds,
    }  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("data/demo"))
    parser.add_argument("--hire", type=int, default=0)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.workdir, arguments.hire), indent=2, ensure_ascii=False))
