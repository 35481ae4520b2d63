"""One router per resource: a new resource is one module and one line here."""

from fastapi import APIRouter

from api import workbench
from api.routes import (
    cases,
    commitments,
    credit_checks,
    health,
    interviews,
    lists,
    plans,
    public,
    results,
    sanctions,
    statistics,
    subjects,
)

__all__ = ["ROUTERS"]

# The busiest first: a request is matched against the routes in this order.
ROUTERS: tuple[APIRouter, ...] = (
    subjects.router,
    health.router,
    cases.objections,
    cases.repairs,
    credit_checks.router,
    lists.router,
    sanctions.router,
    plans.router,
    commitments.router,
    interviews.router,
    results.report,
    statistics.router,
    public.router,
    results.public,
    *workbench.ROUTERS,  # pages for people, signed in by session; not in the OpenAPI document
)
