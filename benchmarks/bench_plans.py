"""Inspection plans: what a graded plan finds on the synthetic city, and planning at scale.

Usage:
  ``python benchmarks/bench_plans.py quality [--subjects 20000] [--seeds 50] [--city-seed 0]``
  ``python benchmarks/bench_plans.py designs [--city-seeds 0 11 23 37] [--rate 0.1] [--reuse]``
  ``python benchmarks/bench_plans.py scale [--db data/bench-features/city.duckdb]``

**quality** builds a synthetic city (default 20,000 subjects, city seed 0), trains the three scorers
as of 2026-06-30 and grades with the champion, then draws plans at a 10% budget for the
following quarter (2026Q3, which the truth file covers) under both designs and compares them
with the simulator's truth: expected true violations per inspection against uniform sampling
at the same budget. It then plays the inspectors (outcomes drawn from the truth), ingests the
results as ``inspections`` rows and checks the IPW estimate of the violation rate from the
exploration share against the truth; over ``--seeds`` plan seeds it reports how often that
estimate lands within 10%.

**designs** compares, on each city seed (default 0, on which the ratios were tuned, and 11, 23,
37, which nothing was tuned on), the same city build, training and grading as ``quality``, then
uniform sampling, the ratio designs (``stratified``, ``pps``), the ``optimal`` design (and the
same with D taken with certainty), and taking the model's riskiest subjects outright (no floor,
no exploration: the ceiling of ranking) at a 10% budget: per design the model's own expected
lift (by its probabilities) and the true lift (by the truth file), over the random draw alone
(no mandated inspections, as in ``quality``'s table); then the same two lifts for the plan the
demo draws (the policy as it is, at its own budget, mandated inspections included).
``--reuse`` keeps each city's store and grades from an earlier run (``--folder``), so only the
plans are redrawn.

**scale** plans for every subject of the 1,000,000-subject store that
``benchmarks/bench_features.py`` builds (reused, not rebuilt), with its inspector pool, in a
fresh process: grades come from the rule scorecard plus a random stand-in probability (the
planning cost does not depend on where grades come from; grading itself is measured by
``bench_grading.py``). Measures ``create_plan`` end to end (frame, commitment, draw, inspector
assignment, storing), and ``verify_plan``, with peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 6, 30)


def quality(folder: Path, subjects: int, seeds: int, city_seed: int) -> dict[str, object]:
    import numpy as np

    from credit_scoring.grading import Grader
    from credit_scoring.models.tracking import Tracking
    from credit_scoring.models.training import train
    from credit_scoring.records.ingestion import ingest_directory, ingest_file
    from credit_scoring.records.store import Store
    from credit_scoring.settings import Settings
    from credit_scoring.supervision import create_plan, evaluate_plans
    from credit_scoring.synth import generate_city
    from credit_scoring.synth.plan_truth import simulate_results, truth_comparison

    if folder.exists():
        shutil.rmtree(folder)
    city = generate_city(folder / "city", n_subjects=subjects, seed=city_seed)
    out: dict[str, object] = {"subjects": subjects, "city_seed": city_seed}
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, city.out_dir)
        tracking = Tracking(folder / "mlruns")
        started = time.perf_counter()
        train(store, as_of=AS_OF, tracking=tracking, seed=0)
        out["train_s"] = time.perf_counter() - started
        grader = Grader.load(store, Settings(mlruns=tracking.root))
        grades = grader.grade_store(store, as_of=AS_OF)
        out["grades"] = grades["grade"].value_counts().sort_index().to_dict()
        for design in ("stratified", "pps"):
            plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=1, grades=grades,
                               design=design)  # fmt: skip
            truth = truth_comparison(plan, city.truth)
            out[design] = {"budget": plan.budget, "eligible": len(plan.frame),
                           "excluded": plan.excluded, "expected_lift_model": plan.expected_lift,
                           "truth": truth}  # fmt: skip
        errors = []
        for seed in range(1, seeds + 1):
            plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=seed, grades=grades,
                               design="pps")  # fmt: skip
            results = simulate_results(plan, city.truth, seed=seed)
            path = folder / f"results-{seed}.csv"
            results.to_csv(path, index=False)
            ingest_file(store, "inspections", path, today=dt.date(2026, 11, 29))
            evaluation = evaluate_plans(store, [plan.plan_id], replicates=300, seed=seed)
            true_rate = truth_comparison(plan, city.truth)["true_rate"]
            uniform = evaluation.policies.set_index("policy").loc["uniform"]
            x = evaluation.exploration
            errors.append({"seed": seed, "true_rate": true_rate,
                           "exploration_ht": x["ht"], "exploration_hajek": x["hajek"],
                           "exploration_n": x["inspected"], "full_ht": float(uniform["ht"]),
                           "full_hajek": float(uniform["hajek"]),
                           "ci": [x["hajek_low"], x["hajek_high"]]})  # fmt: skip
            # Results of one plan must not feed the next plan's eligibility: remove them.
            store.con.execute("DELETE FROM inspections WHERE plan_id = ?", [plan.plan_id])
    out["ipw"] = errors
    for key in ("exploration_ht", "exploration_hajek", "full_ht", "full_hajek"):
        relative = np.array([abs(e[key] / e["true_rate"] - 1) for e in errors])
        out[f"{key}_within_10pct"] = float((relative <= 0.10).mean())
        out[f"{key}_median_error"] = float(np.median(relative))
    return out


def _city(folder: Path, subjects: int, city_seed: int, reuse: bool) -> tuple[Path, Any]:
    """A city's store, its truth file and the champion's grades as of ``AS_OF`` (cached)."""
    import pandas as pd

    from credit_scoring.grading import Grader
    from credit_scoring.models.tracking import Tracking
    from credit_scoring.models.training import train
    from credit_scoring.records.ingestion import ingest_directory
    from credit_scoring.records.store import Store
    from credit_scoring.settings import Settings
    from credit_scoring.synth import generate_city

    grades_path = folder / "grades.pkl"
    if reuse and grades_path.exists():
        return folder / "city" / "truth" / "latent.parquet", pd.read_pickle(grades_path)
    if folder.exists():
        shutil.rmtree(folder)
    city = generate_city(folder / "city", n_subjects=subjects, seed=city_seed)
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, city.out_dir)
        tracking = Tracking(folder / "mlruns")
        train(store, as_of=AS_OF, tracking=tracking, seed=0)
        grades = Grader.load(store, Settings(mlruns=tracking.root)).grade_store(store, as_of=AS_OF)
    grades.to_pickle(grades_path)
    return city.truth, grades


def designs(folder: Path, subjects: int, city_seeds: list[int], rate: float,
            reuse: bool) -> list[dict[str, object]]:  # fmt: skip
    import numpy as np

    from credit_scoring.policies.sampling import DUE, OptimalDesign, load_sampling_policy
    from credit_scoring.records.store import Store
    from credit_scoring.supervision import create_plan, verify_plan
    from credit_scoring.supervision.evaluation import expected_lifts
    from credit_scoring.synth.plan_truth import true_risk, truth_comparison

    rows = []
    for city_seed in city_seeds:
        work = folder / f"city-{city_seed}"
        truth, grades = _city(work, subjects, city_seed, reuse)
        # The random draw alone, as the quality table measures it: mandated inspections (a
        # third of the eligible at this date) are taken at 1 by every design and dilute all.
        policy = load_sampling_policy().model_copy(update={"mandated_frequency": {}})
        with Store(work / "credit.duckdb") as store:
            store.con.execute("DELETE FROM plan_items; DELETE FROM plan_frame; "
                              "DELETE FROM plan_inspectors; DELETE FROM plans")  # fmt: skip
            started = time.perf_counter()
            plan = create_plan(store, as_of=AS_OF, rate=rate, seed=1, grades=grades,
                               design="optimal", policy=policy)  # fmt: skip
            plan_s = time.perf_counter() - started
            verified = verify_plan(store, plan.plan_id).ok
            d_certain = policy.model_copy(update={"optimal": OptimalDesign(certain=("D",))})
            certain = create_plan(store, as_of=AS_OF, rate=rate, seed=1, grades=grades,
                                  design="optimal", policy=d_certain, save=False)  # fmt: skip
            # What the demo prints: the policy as it is, its own budget, mandated included.
            default = create_plan(store, as_of=AS_OF, seed=1, grades=grades, save=False)
        as_demo = {
            "budget": default.budget, "due": int((default.frame["stratum"] == DUE).sum()),
            "model": expected_lifts(default.frame, default.parameters),
            "true": {r["policy"]: r["lift"] for r in truth_comparison(default, truth)["policies"]},
        }  # fmt: skip
        true = {r["policy"]: r["lift"] for r in truth_comparison(plan, truth)["policies"]}
        model = expected_lifts(plan.frame, plan.parameters)
        true["optimal_d_certain"] = next(r["lift"] for r in truth_comparison(certain, truth)[
            "policies"] if r["policy"] == "plan")  # fmt: skip
        model["optimal_d_certain"] = expected_lifts(certain.frame, certain.parameters)["plan"]
        # Ranking alone: the due subjects, then the riskiest up to the budget, nothing else.
        frame, mu = plan.frame, true_risk(plan, truth)
        risk, due = frame["risk"].to_numpy(float), (frame["stratum"] == DUE).to_numpy()
        q = due.astype(float)
        q[np.flatnonzero(~due)[np.argsort(-risk[~due], kind="stable")[: plan.budget]]] = 1.0
        true["top_by_risk"] = float((q * mu).sum() / q.sum() / mu.mean())
        model["top_by_risk"] = float((q * risk).sum() / q.sum() / risk.mean())
        pi = frame["inclusion_prob"].to_numpy()
        grades_pi = frame[~due].groupby("grade")["inclusion_prob"].mean().round(4).to_dict()
        rows.append({"city_seed": city_seed, "eligible": len(frame), "due": int(due.sum()),
                     "budget": plan.budget, "verified": verified, "optimal_plan_s": plan_s,
                     "min_pi_over_uniform": float(pi[~due].min() / (plan.budget / (~due).sum())),
                     "mean_pi_by_grade": grades_pi,
                     "true": true, "model": model, "policy_budget": as_demo})  # fmt: skip
    return rows


def scale_child(db: Path) -> None:
    import numpy as np

    from credit_scoring.grading import Grader
    from credit_scoring.records.store import Store
    from credit_scoring.supervision import create_plan, verify_plan

    with Store(db) as store:
        started = time.perf_counter()
        grades = Grader.rules_only().grade_store(store, as_of=AS_OF)
        grading = time.perf_counter() - started
        grades["pd"] = np.random.default_rng(0).beta(1, 10, len(grades))
        inspectors = store.count("inspectors")
        timings = {}
        for design, rate in (("stratified", 0.01), ("pps", 0.01), ("stratified", 0.1)):
            started = time.perf_counter()
            plan = create_plan(store, as_of=AS_OF, rate=rate, seed=1, grades=grades,
                               design=design)  # fmt: skip
            timings[f"{design}_{rate}"] = {"plan_s": time.perf_counter() - started,
                                           "inspections": len(plan.items),
                                           "eligible": len(plan.frame)}  # fmt: skip
            started = time.perf_counter()
            assert verify_plan(store, plan.plan_id).ok
            timings[f"{design}_{rate}"]["verify_s"] = time.perf_counter() - started
    print(json.dumps({
        "subjects": len(grades), "inspectors": inspectors, "rule_grading_s": grading,
        "plans": timings, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["quality", "designs", "scale"])
    parser.add_argument("--city-seeds", type=int, nargs="+", default=[0, 11, 23, 37])
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--city-seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, default=Path("data/bench-plans"))
    parser.add_argument("--db", type=Path, default=Path("data/bench-features/city.duckdb"))
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.mode == "quality":
        result = quality(args.folder, args.subjects, args.seeds, args.city_seed)
        print(json.dumps(result, default=str, indent=1))
        return
    if args.mode == "designs":
        rows = designs(args.folder, args.subjects, args.city_seeds, args.rate, args.reuse)
        print(json.dumps(rows, default=str, indent=1))
        return
    if args.child:
        scale_child(args.db)
        return
    if not args.db.exists():
        sys.exit(f"{args.db} missing: run benchmarks/bench_features.py first")
    copy = args.folder / "scale.duckdb"  # plans are written: never into the shared store
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(args.db, copy)
    done = subprocess.run([sys.executable, __file__, "scale", "--child", "--db", str(copy)],
                          check=True, capture_output=True, text=True)  # fmt: skip
    print(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
