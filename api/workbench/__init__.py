"""The workbench: server-rendered Chinese pages for reviewers, regulators and analysts, over the
same library calls as the API, signed in with an API key (see :mod:`api.workbench.session`)."""

from api.workbench import cases, closed_loop, listing, pages, sanctions, supervision

__all__ = ["ROUTERS"]

# Cases and supervision before pages: ``/workbench/{kind}`` must not shadow a fixed path.
ROUTERS = (pages.router, supervision.router, listing.router, sanctions.router, closed_loop.router,
           cases.router)  # fmt: skip
