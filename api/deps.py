"""Typed dependencies the routes declare: ``ServedDep``, ``ServicesDep``, ``TodayDep``…"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.auth import Caller, CallerDep, authenticate
from api.errors import ServiceNotReady
from api.services import Services
from credit_scoring.snapshots import Served
from credit_scoring.workflows import Workspace

__all__ = [
    "Caller",
    "CallerDep",
    "EngineDep",
    "ReadingWorkspaceDep",
    "ServedDep",
    "ServicesDep",
    "TodayDep",
    "WorkspaceDep",
    "authenticate",
]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


def _served(services: ServicesDep) -> Served:
    # Taken once per request: everything the request reads comes from this one snapshot.
    served = services.holder.state
    if served is None:
        raise ServiceNotReady("no snapshot is loaded yet; publish one with credit-scoring publish")
    return served


ServedDep = Annotated[Served, Depends(_served)]


def _today(services: ServicesDep) -> dt.date:
    return services.today()


TodayDep = Annotated[dt.date, Depends(_today)]


def _engine(services: ServicesDep) -> Engine:
    return services.engine


EngineDep = Annotated[Engine, Depends(_engine)]


def _workspace(services: ServicesDep) -> Iterator[Workspace]:
    with services.workspace(write=True) as space:
        yield space


def _reading_workspace(services: ServicesDep) -> Iterator[Workspace]:
    with services.workspace(write=False) as space:
        yield space


WorkspaceDep = Annotated[Workspace, Depends(_workspace)]
ReadingWorkspaceDep = Annotated[Workspace, Depends(_reading_workspace)]
