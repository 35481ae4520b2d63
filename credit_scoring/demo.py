"""The main job on the embedded defaults: city → ingest → 双公示 report → grades → a plan.

``make demo`` runs :func:`run_demo`; later stages (grades, explanations, inspection plans) join
here as they are built, so the demo always exercises the whole product the way a user would:
from files on disk, through validated ingestion, into the store.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from credit_scoring.explain.explanation import Explanation
from credit_scoring.features.summary import write_table
from credit_scoring.grading import Grader
from credit_scoring.models.tracking import Tracking
from credit_scoring.models.training import TrainResult, train
from credit_scoring.records.disclosure import DisclosureReport, disclosure_report
from credit_scoring.records.ingestion import IngestResult, Progress, ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings
from credit_scoring.supervision import Plan, create_plan, write_plan
from credit_scoring.supervision.evaluation import expected_lifts
from credit_scoring.synth import CityFiles, generate_city

__all__ = ["DEMO_END", "DemoResult", "run_demo"]

DEMO_END = dt.date(2026, 9, 30)  # the synthetic city's last day; the report is as of it


@dataclass(frozen=True)
class DemoResult:
    city: CityFiles
    db: Path
    ingests: list[IngestResult]
    disclosure: DisclosureReport
    training: TrainResult
    grading: dict[str, Any]  # Grader.describe(): who decided the grades
    grades: pd.DataFrame
    example: Explanation | None  # the explanation of one D-grade subject
    seconds: dict[str, float]
    plan: Plan | None = None  # the 双随机 plan for the next quarter, at the policy's rates
    plan_lifts: dict[str, float] = field(default_factory=dict)  # expected, by design


def run_demo(
    workdir: Path = Path("data/demo"),
    *,
    n_subjects: int = 20_000,
    seed: int = 0,
    on_stage: Callable[[str, float], None] | None = None,
    on_file: Callable[[str, Path], Progress | None] | None = None,
) -> DemoResult:
    """Generate a city under ``workdir/city``, ingest it into a fresh ``workdir/credit.duckdb``,
    report, train (tracked in ``workdir/mlruns``), grade every subject as of the city's end and
    draw the next quarter's 双随机 plan at the policy's rates (``workdir/plans``).

    The store and the tracking folder are recreated on every run, so the summary reads as a
    first run and the same seed prints the same figures.
    """
    workdir = Path(workdir)
    db = workdir / "credit.duckdb"
    stale_paths = (db, db.with_suffix(".duckdb.wal"), workdir / "rejects", workdir / "mlruns",
                   workdir / "plans")  # fmt: skip
    for stale in stale_paths:
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink(missing_ok=True)
    seconds = {}
    started = time.perf_counter()
    city = generate_city(
        workdir / "city", n_subjects=n_subjects, seed=seed, end=DEMO_END, progress=on_stage
    )
    seconds["generate"] = time.perf_counter() - started
    with Store(db) as store:
        started = time.perf_counter()
        ingests = ingest_directory(store, city.out_dir, on_file=on_file)
        seconds["ingest"] = time.perf_counter() - started
        started = time.perf_counter()
        report = disclosure_report(store, as_of=DEMO_END)
        seconds["report"] = time.perf_counter() - started
        tracking = Tracking(workdir / "mlruns")
        _stage(on_stage, "training the three scorers")
        started = time.perf_counter()
        training = train(store, as_of=DEMO_END, tracking=tracking, seed=seed)
        store.remember_registry(tracking.root)
        seconds["train"] = time.perf_counter() - started
        _stage(on_stage, "grading every subject")
        started = time.perf_counter()
        grader = Grader.load(store, Settings().but(mlruns=tracking.root))
        grades = grader.grade_store(store, as_of=DEMO_END)
        write_table(grades, workdir / "grades.parquet")
        seconds["grade"] = time.perf_counter() - started
        worst = grades[grades["grade"] == "D"]["uscc"].head(1).tolist()
        example = grader.explain(store, worst[0], as_of=DEMO_END) if worst else None
        _stage(on_stage, "drawing the inspection plan")
        started = time.perf_counter()
        plan = create_plan(store, as_of=DEMO_END, seed=seed, grades=grades)
        write_plan(plan, workdir / "plans" / f"{plan.plan_id}.xlsx")
        write_plan(plan, workdir / "plans" / f"{plan.plan_id}.csv")
        seconds["plan"] = time.perf_counter() - started
    lifts = expected_lifts(plan.frame, plan.parameters)
    return DemoResult(
        city, db, ingests, report, training, grader.describe(), grades, example, seconds,
        plan=plan, plan_lifts=lifts,
    )  # fmt: skip


def _stage(on_stage: Callable[[str, float], None] | None, name: str) -> None:
    if on_stage is not None:
        on_stage(name, 1.0)
