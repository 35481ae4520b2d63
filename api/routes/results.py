"""一公开: the results of plans' inspections, published on public pages (HTML, or JSON with
``?format=json``), and the deadline report of plans whose results are late, for regulators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.templating import Jinja2Templates

from api.auth import EVERYONE, Role, RoleRoute, allow
from api.deps import ServicesDep, TodayDep
from api.schemas.closed_loop import PlanAnnouncementPublic, PlanPublicationPublic, PlanResultsDue
from credit_scoring.supervision.publicity import announcements, plan_publication, results_due

public = APIRouter(route_class=RoleRoute, prefix="/public/plans", tags=["public"])
report = APIRouter(route_class=RoleRoute, prefix="/v1/plan-results", tags=["plans"])
templates = Jinja2Templates(directory=FilePath(__file__).parents[1] / "templates")

PlanId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Format = Annotated[Literal["html", "json"], Query(description="A page, or its data")]
_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The page (default) or JSON"}
}


@public.get("", response_model=list[PlanAnnouncementPublic], responses=_PAGE,
            **allow(*EVERYONE))  # fmt: skip
def plans(request: Request, services: ServicesDep, today: TodayDep, format: Format = "html") -> Any:
    """The inspection plans drawn here (双随机、一公开): each one's announcement, commitment and
    how many of its results are published."""
    with services.store.open(write=False) as store:
        found = announcements(store, day=today)
    if format == "json":
        return [PlanAnnouncementPublic.model_validate(a, from_attributes=True) for a in found]
    return templates.TemplateResponse(request, "public_plans.html",
                                      {"plans": found, "day": today})  # fmt: skip


@public.get("/{plan_id}", response_model=PlanPublicationPublic, responses=_PAGE,
            **allow(*EVERYONE, errors=[404]))  # fmt: skip
def plan(
    plan_id: PlanId, request: Request, services: ServicesDep, today: TodayDep,
    format: Format = "html",
) -> Any:  # fmt: skip
    """One plan's announcement, its 抽查事项, the subjects inspected and each result published
    (names as the public pages show them; inspectors not named)."""
    with services.store.open(write=False) as store:
        found = plan_publication(store, plan_id, day=today)
    if format == "json":
        return PlanPublicationPublic.model_validate(found, from_attributes=True)
    return templates.TemplateResponse(request, "public_plan.html", {"page": found, "day": today})


@report.get("", **allow(Role.regulator, Role.analyst, Role.admin))
def late_results(
    services: ServicesDep, today: TodayDep,
    as_of: Annotated[dt.date | None, Query(description="Default: today")] = None,
    every: Annotated[bool, Query(alias="all", description="Every plan, not only late")] = False,
) -> list[PlanResultsDue]:  # fmt: skip
    """Plans whose results are late: unpublished 20 working days after the inspection (or the
    plan's end), or published after that; the most overdue first."""
    with services.store.open(write=False) as store:
        found = results_due(store, as_of=as_of or today, late_only=not every)
    return [PlanResultsDue.model_validate(row) for row in found.to_dict("records")]
