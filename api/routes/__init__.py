"""One router per resource. A new resource (inspection plans) is one module and one line here."""

from fastapi import APIRouter

from api.routes import credit_checks, health, objections, public, repairs, subjects

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    subjects.router,
    objections.router,
    repairs.router,
    credit_checks.router,
    public.router,
)
