"""Liveness and readiness: ``/readyz`` fails until a snapshot is loaded."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from api.auth import EVERYONE, RoleRoute, allow
from api.deps import ServedDep

router = APIRouter(route_class=RoleRoute, tags=["health"])


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    snapshot_id: str
    as_of: dt.date
    subjects: int
    regraded_subjects: int


@router.get("/healthz", **allow(*EVERYONE))
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", **allow(*EVERYONE))
async def readyz(served: ServedDep) -> Ready:
    """A snapshot is loaded (503 until then)."""
    manifest = served.snapshot.manifest
    return Ready(status="ready", snapshot_id=manifest.snapshot_id, as_of=manifest.as_of,
                 subjects=manifest.subjects, regraded_subjects=len(served.regrades))  # fmt: skip
