"""Typed dependencies the routes declare: ``ServedDep``, ``ServicesDep``, ``TodayDep``…

The ones that do not block are ``async def``: FastAPI runs a plain ``def`` dependency in its
thread pool, and a few such hops per request cost more than the lookup they serve (measured in
benchmarks/bench_api.py: about a tenth of a bare endpoint's throughput with them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from api.auth import Caller, CallerDep
from api.errors import ServiceNotReady
from api.services import Services
from credit_scoring.snapshots import Served
from credit_scoring.workflows import Workspace

__all__ = [
    "NEEDS_STATE",
    "Caller",
    "CallerDep",
    "ReadingWorkspaceDep",
    "ServedDep",
    "ServicesDep",
    "TodayDep",
    "WorkspaceDep",
    "limit_public_filing",
    "served_now",
]


async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


def served_now(request: Request) -> Served:
    """The snapshot (with its regrades) being served now; 503 before the first one loads.

    Taken once per request: everything the request reads comes from this one snapshot. The
    hottest routes call it directly rather than through ``ServedDep``, which costs FastAPI a
    dependency to solve per request.
    """
    served: Served | None = request.app.state.services.holder.state
    if served is None:
        raise ServiceNotReady("no snapshot is loaded yet; publish one with credit-scoring publish")
    return served


async def _served(request: Request) -> Served:
    return served_now(request)


ServedDep = Annotated[Served, Depends(_served)]


async def limit_public_filing(request: Request) -> None:
    """Count a filing without an API key against its address's hourly limit (429 beyond)."""
    caller: Caller = request.state.caller  # set by RoleRoute before dependencies run
    if caller.key_id is None:
        services: Services = request.app.state.services
        services.filings.check(request.client.host if request.client else "unknown")


async def _today(request: Request) -> dt.date:
    services: Services = request.app.state.services
    return services.today()


TodayDep = Annotated[dt.date, Depends(_today)]


def _workspace(services: ServicesDep) -> Iterator[Workspace]:
    with services.workspace(write=True) as space:
        yield space


def _reading_workspace(services: ServicesDep) -> Iterator[Workspace]:
    with services.workspace(write=False) as space:
        yield space


WorkspaceDep = Annotated[Workspace, Depends(_workspace)]
ReadingWorkspaceDep = Annotated[Workspace, Depends(_reading_workspace)]

# The dependencies that reach the service's state (the workspaces through ServicesDep): before
# a snapshot is loaded, or while a batch job holds the store, a route using one answers 503,
# and its OpenAPI operation says so (api/openapi.py). So does a path_only route: it calls
# served_now itself.
NEEDS_STATE = frozenset({_services, _served})
