"""Workbench pages: sign-in, the dashboard, finding a subject, its file and its records."""

from __future__ import annotations

import functools
import os
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Role
from api.convert import served_grade
from api.deps import ServedDep, ServicesDep, TodayDep
from api.files import file_response
from api.schemas.common import Uscc
from api.workbench.render import page
from api.workbench.session import (
    COOKIE,
    ReportDep,
    StaffDep,
    same_origin,
    session_caller,
    set_session_cookie,
)
from credit_scoring import overview
from credit_scoring.errors import RecordNotFound, Unavailable
from credit_scoring.features.catalog import load_catalog
from credit_scoring.measures import credit_check
from credit_scoring.policies import GRADES, load_measures
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.records.codes import RECORD_TABLES
from credit_scoring.records.disclosure import disclosure_report
from credit_scoring.records.store import quote
from credit_scoring.reports import issue_report
from credit_scoring.workflows import list_objections, list_repairs
from credit_scoring.workflows.audit import record_access
from credit_scoring.workflows.sessions import end_session, open_session

router = APIRouter(prefix="/workbench", include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/workbench/") -> Response:
    if session_caller(request) is not None:
        return RedirectResponse(_local(next), status_code=303)
    return page(request, "login.html", next=_local(next), message=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, services: ServicesDep, api_key: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/workbench/",
) -> Response:  # fmt: skip
    """A key of a staff role opens a session; the public has no workbench."""
    same_origin(request)
    caller = services.keys.caller(api_key.strip())
    if caller is None or caller.role is Role.public or caller.key_id is None:
        return page(request, "login.html", status_code=401, next=_local(next),
                    message="密钥无效或已吊销")  # fmt: skip
    token = open_session(services.engine, caller.key_id, hours=8)
    record_access(services.engine, actor=caller.actor, action="workbench_login", uscc=None,
                  target=caller.key_id)  # fmt: skip
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request, services: ServicesDep) -> Response:
    same_origin(request)
    token = request.cookies.get(COOKIE)
    if token:
        end_session(services.engine, token)
    response = RedirectResponse("/workbench/login", status_code=303)
    response.delete_cookie(COOKIE, path="/workbench")
    return response


def _local(target: str) -> str:
    """Only a path of this workbench: a ``next`` pointing elsewhere is an open redirect."""
    return target if target.startswith("/workbench") and "//" not in target else "/workbench/"


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, caller: StaffDep, services: ServicesDep, served: ServedDep, today: TodayDep
) -> Response:
    snapshot = served.snapshot
    distribution = overview.grade_distribution(snapshot, load_sampling_policy())
    by_department = distribution.groupby("department", sort=True)[[*GRADES, "total"]].sum()
    by_region = distribution.groupby("region_code", sort=True)[[*GRADES, "total"]].sum()
    pending = list_objections(services.engine, status="pending")
    overdue = {o.id for o in list_objections(services.engine, status="pending", overdue_on=today)}
    repairs = list_repairs(services.engine, status="pending")
    return page(
        request, "dashboard.html", manifest=snapshot.manifest, today=today,
        totals=by_department.sum(), by_department=_rows(by_department),
        by_region=_rows(by_region),
        movement=overview.grade_movement(services.settings.snapshot_dir),
        objections=sorted(pending, key=lambda o: o.decide_due), overdue=overdue,
        repairs=sorted(repairs, key=lambda r: r.decide_due),
        disclosure=_disclosure(services, today),
    )  # fmt: skip


def _rows(table: Any) -> list[dict[str, Any]]:
    return [{"name": name, **row} for name, row in table.to_dict("index").items()]


_KPIS: dict[tuple[Any, ...], list[dict[str, Any]]] = {}  # (store modified, day) → rows


def _disclosure(services: Any, today: Any) -> list[dict[str, Any]] | str:
    """The 双公示 KPIs over the year to today, all authorities (computed once per day and store
    version: the report reads a year of decisions); or why they cannot be read now."""
    path = str(services.settings.db_path)
    wal = f"{path}.wal"  # DuckDB writes there before it checkpoints into the file
    key = (os.path.getmtime(path), os.path.getmtime(wal) if os.path.exists(wal) else 0, today)
    if key not in _KPIS:
        try:
            with services.store.open(write=False) as store:
                summary = disclosure_report(store, as_of=today).summary
        except Unavailable as error:
            return getattr(error, "public_detail", None) or str(error)
        _KPIS.clear()
        _KPIS[key] = summary[summary["authority"] == "(全部机关)"].to_dict("records")  # type: ignore[assignment]
    return _KPIS[key]


@router.get("/subjects", response_class=HTMLResponse)
def subjects(
    request: Request, caller: StaffDep, served: ServedDep,
    q: Annotated[str, Query(max_length=64)] = "",
) -> Response:  # fmt: skip
    found = overview.search_subjects(served.snapshot, q)
    if len(found) == 1 and found[0]["uscc"] == q.strip().upper():
        return RedirectResponse(f"/workbench/subjects/{found[0]['uscc']}", status_code=303)
    return page(request, "subjects.html", q=q, found=found)


@router.get("/subjects/{uscc}", response_class=HTMLResponse)
def subject(
    request: Request, uscc: Annotated[Uscc, Path()], caller: StaffDep, services: ServicesDep,
    served: ServedDep, today: TodayDep,
) -> Response:  # fmt: skip
    """Everything a reviewer weighs: the grade and who decided it, each reason with its points
    and records, the history across snapshots, the cases on the subject, a check per scenario."""
    explanation = served.explanation(uscc)  # 404 first for an unknown subject
    grade = served.grade(uscc)
    measures = load_measures()
    standing = served.standing(uscc)
    in_force = served_grade(served, uscc)
    checks = {scenario: credit_check(measures, standing, scenario, today, in_force)
              for scenario in measures.scenarios}  # fmt: skip
    return page(
        request, "subject.html", subject=served.subject(uscc), grade=grade,
        explanation=explanation, standing=standing, checks=checks, scenarios=measures.scenarios,
        history=overview.grade_history(services.settings.snapshot_dir, uscc),
        objections=list_objections(services.engine, uscc=uscc),
        repairs=list_repairs(services.engine, uscc=uscc), today=today, tables=_record_tables(),
    )  # fmt: skip


@functools.cache
def _record_tables() -> dict[str, str]:
    """The table each feature's records come from: where a reason's citations link to."""
    return {feature.name: feature.source for feature in load_catalog()}


@router.get("/subjects/{uscc}/report.pdf")
def report(
    uscc: Annotated[Uscc, Path()], caller: ReportDep, services: ServicesDep, served: ServedDep,
    today: TodayDep, audience: Literal["official", "public"] = "official",
) -> Response:  # fmt: skip
    """The subject's credit report, issued and registered as through the API."""
    settings = services.settings
    with services.store.open(write=False) as store:
        issued = issue_report(
            served, store, services.engine, uscc, day=today, audience=audience,
            file_format="pdf", office=settings.report_office,
            valid_days=settings.report_valid_days, verify_base_url=settings.public_base_url,
            issued_by=caller.actor,
        )  # fmt: skip
    return file_response(issued.content, "pdf", f"信用报告-{issued.report_no}")


@router.get("/records/{table}/{record_id}", response_class=HTMLResponse)
def record(
    request: Request, caller: StaffDep, services: ServicesDep, served: ServedDep,
    table: Annotated[str, Path(max_length=32)], record_id: Annotated[str, Path(max_length=64)],
) -> Response:  # fmt: skip
    """One record: in full from the store for reviewers (audited), its publicity window and the
    events on it for every staff role. Table ``any`` finds the record in whichever table
    holds it (a reason cites ids; its feature says the table, an override may not)."""
    if table != "any" and table not in RECORD_TABLES:
        raise RecordNotFound(f"{table!r} 不是记录表")
    with services.store.open(write=False) as store:
        for candidate in RECORD_TABLES.codes if table == "any" else (table,):
            cursor = store.con.execute(
                f"SELECT * FROM {quote(candidate)} WHERE record_id = ?", [record_id]
            )
            row = cursor.fetchone()
            if row is not None:
                table = candidate
                break
        else:
            raise RecordNotFound(f"没有记录 {record_id}")
        full = dict(zip([d[0] for d in cursor.description], row, strict=True))
        events = store.con.execute(
            'SELECT event_type, event_date, actor, note FROM record_events '
            'WHERE "table" = ? AND record_id = ? ORDER BY event_date', [table, record_id],
        ).df().to_dict("records")  # fmt: skip
    uscc = full["uscc"]
    window = [r for r in served.standing(uscc) if r["record_id"] == record_id]
    if caller.sees_personal_data:
        record_access(services.engine, actor=caller.actor, action="record_read", uscc=uscc,
                      target=f"{table}/{record_id}")  # fmt: skip
    fields = {k: v for k, v in full.items() if not k.startswith("_")}
    if not caller.sees_personal_data:
        fields = {k: v for k, v in fields.items() if k not in _PERSONAL}
    return page(request, "record.html", table=table, record_id=record_id, uscc=uscc,
                fields=fields, window=window[0] if window else None, events=events)  # fmt: skip


_PERSONAL = {"legal_rep_name", "legal_rep_id", "complainant", "inspectors"}
