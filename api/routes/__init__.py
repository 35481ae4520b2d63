"""One router per resource: a new resource is one module and one line here."""

from fastapi import APIRouter

from api.routes import cases, credit_checks, health, plans, public, subjects

__all__ = ["ROUTERS"]

# The busiest first: a request is matched against the routes in this order.
ROUTERS: tuple[APIRouter, ...] = (
    subjects.router,
    health.router,
    cases.objections,
    cases.repairs,
    credit_checks.router,
    plans.router,
    public.router,
)
