"""Workbench pages for supervision: 双随机 plans (draw, verify, download, upload results,
evaluate), the inspection-frequency list and the red and black lists."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ServedDep, ServicesDep, TodayDep
from api.files import file_response
from api.workbench.render import page
from api.workbench.session import PlannerDep, StaffDep
from credit_scoring.errors import InvalidInput
from credit_scoring.merchants import red_black_list
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.snapshots import Served, plain
from credit_scoring.supervision import (
    create_plan,
    evaluate_plans,
    frequencies_xlsx_bytes,
    inspection_frequencies,
    list_plans,
    load_plan,
    plan_csv_bytes,
    plan_xlsx_bytes,
    verify_plan,
)
from credit_scoring.supervision.frame import Scope

router = APIRouter(prefix="/workbench", include_in_schema=False)
PlanId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Blank = Annotated[str, Form(max_length=64)]


@router.get("/plans", response_class=HTMLResponse)
def plans(request: Request, caller: StaffDep, services: ServicesDep, today: TodayDep) -> Response:
    with services.store.open(write=False) as store:
        stored = list_plans(store)
    departments = [d.name for d in load_sampling_policy().departments]
    return page(request, "plans.html", plans=stored, departments=departments, today=today,
                can_draw=caller.role in ("regulator", "admin"))  # fmt: skip


@router.post("/plans")
def draw(
    caller: PlannerDep, services: ServicesDep, as_of: Annotated[dt.date, Form()],
    seed: Annotated[int, Form(ge=0, le=2**63 - 1)], department: Blank = "",
    budget: Blank = "", rate: Blank = "",
    design: Annotated[Literal["policy", "optimal", "stratified", "pps"], Form()] = "policy",
) -> Response:  # fmt: skip
    """Draw and store a plan (the API's own call); its page shows strata and commitment."""
    with services.store.open(write=True) as store:
        plan = create_plan(
            store, as_of=as_of, seed=seed, budget=_number(budget, int, "budget"),
            rate=_number(rate, float, "rate"), department=department or None,
            design=None if design == "policy" else design,
            grader=services.grader(store),
        )  # fmt: skip
    return RedirectResponse(f"/workbench/plans/{plan.plan_id}", status_code=303)


def _number(text: str, kind: type, field: str) -> Any:
    """A form's optional number: empty is None, anything else must parse."""
    if not text.strip():
        return None
    try:
        return kind(text)
    except ValueError:
        raise InvalidInput(f"{field}：{text!r} 不是数字", field=field) from None


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request, plan_id: PlanId, caller: StaffDep, services: ServicesDep,
) -> Response:  # fmt: skip
    return _plan_page(request, caller, services, plan_id)


def _plan_page(
    request: Request, caller: Any, services: Any, plan_id: str, **extra: Any
) -> Response:
    with services.store.open(write=False) as store:
        plan = load_plan(store, plan_id)
    summary = plan.summary()
    eligible = plan.frame["stratum"].value_counts().to_dict()
    return page(request, "plan.html", plan=plan, summary=summary, eligible=eligible,
                items=plan.items.head(200).to_dict("records"),
                can_draw=caller.role in ("regulator", "admin"), **extra)  # fmt: skip


@router.post("/plans/{plan_id}/verify", response_class=HTMLResponse)
def verify(request: Request, plan_id: PlanId, caller: StaffDep, services: ServicesDep) -> Response:
    with services.store.open(write=False) as store:
        result = verify_plan(store, plan_id)
    return _plan_page(request, caller, services, plan_id, verification=result)


@router.get("/plans/{plan_id}/download")
def download(
    plan_id: PlanId, caller: StaffDep, services: ServicesDep,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "xlsx",
) -> Response:  # fmt: skip
    with services.store.open(write=False) as store:
        plan = load_plan(store, plan_id)
    content = plan_csv_bytes(plan) if format == "csv" else plan_xlsx_bytes(plan)
    return file_response(content, format, plan.plan_id)


@router.post("/plans/{plan_id}/results", response_class=HTMLResponse)
def upload_results(
    request: Request, plan_id: PlanId, caller: PlannerDep, services: ServicesDep,
    today: TodayDep, results: Annotated[UploadFile, File()],
) -> Response:  # fmt: skip
    """The filled-in CSV export, through the same validated ingestion as ``ingest inspections``
    (the XLSX export spreads the plan over a sheet per department: for printing and handing
    out, while ingestion reads a file's first sheet)."""
    name = FilePath(results.filename or "results.csv").name
    if FilePath(name).suffix.lower() != ".csv":
        raise InvalidInput(
            f"{name}：请上传填写了检查日期和检查结果的 CSV 导出文件", field="results"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = FilePath(folder) / name
        path.write_bytes(results.file.read())
        with services.store.open(write=True) as store:
            outcome = ingest_file(store, "inspections", path, today=today)
    return _plan_page(request, caller, services, plan_id, ingested=outcome, uploaded=name)


@router.get("/plans/{plan_id}/evaluation", response_class=HTMLResponse)
def evaluation(
    request: Request, plan_id: PlanId, caller: StaffDep, services: ServicesDep
) -> Response:
    """Inverse-probability estimates from the results that came back, with intervals."""
    with services.store.open(write=False) as store:
        result = evaluate_plans(store, [plan_id], replicates=500)
    return page(request, "evaluation.html", plan_id=plan_id, evaluation=result,
                policies=result.policies.to_dict("records"),
                by_grade=result.by_grade.to_dict("records"))  # fmt: skip


@router.get("/frequencies", response_model=None)
def frequencies(
    request: Request, caller: StaffDep, services: ServicesDep, served: ServedDep,
    today: TodayDep, department: Annotated[str, Query(max_length=128)] = "",
    region: Annotated[str, Query(max_length=12)] = "",
    grade: Annotated[str, Query(max_length=1)] = "", due: bool = False,
    format: Annotated[Literal["html", "xlsx"], Query()] = "html",
) -> Response:  # fmt: skip
    """Every subject's yearly rate and mandated minimum, graded as the service serves them."""
    scope = Scope(department or None, (region,) if region else ())
    with services.store.open(write=False) as store:
        table = inspection_frequencies(store, as_of=today, grades=_served_grades(served),
                                       scope=scope)  # fmt: skip
    if grade:
        table = table[table["grade"] == grade]
    if due:
        table = table[table["due_by"].notna()]
        table = table[
            pd.to_datetime(table["due_by"]) <= pd.Timestamp(today + dt.timedelta(days=91))
        ]
    if format == "xlsx":
        return file_response(frequencies_xlsx_bytes(table), "xlsx", f"检查频次-{today}")
    departments = [d.name for d in load_sampling_policy().departments]
    return page(
        request, "frequencies.html", rows=table.head(500).to_dict("records"), total=len(table),
        overdue=int(table["overdue"].sum()), departments=departments, department=department,
        region=region, grade=grade, due=due, today=today,
    )  # fmt: skip


def _served_grades(served: Served) -> pd.DataFrame:
    """The grades being served (snapshot; a re-grade is a few subjects), as the library takes
    them: the list agrees with what the subject pages and the API say."""
    columns = ["uscc", "grade", "pd", "source", "model_version", "policy_version"]
    grades = plain(served.snapshot.tables["grades"].select(columns)).to_pandas()
    for uscc in served.regrades:
        fields = served.grade_fields(uscc)
        grades.loc[grades["uscc"] == uscc, ["grade", "source", "model_version"]] = [
            fields["grade"], fields["source"], fields["model_version"]]  # fmt: skip
    return grades


@router.get("/lists", response_class=HTMLResponse)
def lists(
    request: Request, caller: StaffDep, served: ServedDep, today: TodayDep,
    list_type: Literal["red", "black"] = "black",
) -> Response:  # fmt: skip
    entries = red_black_list(served, list_type, today)
    return page(request, "lists.html", entries=entries, list_type=list_type, today=today)
