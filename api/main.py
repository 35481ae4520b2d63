"""The application factory: ``create_app(settings)``; the lifespan loads the snapshot once.

Run it with ``credit-scoring serve`` (uvicorn), or in tests through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.errors import install_handlers
from api.middleware import Edges
from api.openapi import openapi_document
from api.routes import ROUTERS
from api.services import Services
from credit_scoring.settings import Settings

__all__ = ["create_app"]

DESCRIPTION = """
Grades (A–D) with their explanations, objections and credit repair, credit checks, and the
public 一店一码 page, for 信用分级分类监管. Send an API key in the `X-API-Key` header; without
one you are the *public* role. Each operation lists the roles it admits (`x-roles`). Errors are
RFC 9457 problem details.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service over ``settings`` (default: from the environment)."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await asyncio.to_thread(Services.start, settings)
        app.state.services = services
        poller = asyncio.create_task(services.poll_forever())
        try:
            yield
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            services.close()

    # The documentation pages load their scripts from the package, not a CDN: credit offices
    # run this on intranets.
    app = FastAPIOffline(title="credit-scoring", version="1", description=DESCRIPTION,
                         lifespan=lifespan)  # fmt: skip
    install_handlers(app)
    for router in ROUTERS:
        # Not include_router: FastAPI 0.16x dispatches into an included router through include
        # contexts, matching its routes twice per request (about 15 µs of a grade lookup in
        # benchmarks/profile_api.py). Our routers carry their own prefix, tags and roles and
        # are included with no options, so their routes join the app's as they are, as
        # include_router did before 0.16x (only app.dependency_overrides would not reach them).
        app.router.routes.extend(router.routes)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.add_middleware(Edges)
    return app
