"""Who is at the workbench: a sign-in session in an HttpOnly, SameSite=Strict cookie, the roles
each page admits, and the cross-site check every form submission passes.

The cookie holds a random token; the workflow database keeps its SHA-256 and the key that
opened it, so a session expires on time, ends at sign-out, and ends with its key's revocation
(within the key cache's few seconds) in every worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response

from api.auth import Caller, Role
from api.errors import Forbidden
from credit_scoring.errors import CreditScoringError
from credit_scoring.workflows.sessions import session_key_id

__all__ = ["COOKIE", "SESSION_HOURS", "LoginRequired", "StaffDep", "require", "same_origin",
           "set_session_cookie"]  # fmt: skip

COOKIE = "cs_workbench"
SESSION_HOURS = 8.0  # a working day
STAFF = (Role.regulator, Role.reviewer, Role.analyst, Role.admin)


class LoginRequired(CreditScoringError):
    """No live session: the page redirects to the sign-in form."""

    http_status = 303


class CrossSiteRequest(CreditScoringError):
    """A form submitted from another site (cross-site request forgery)."""

    http_status = 403


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE, token, max_age=int(SESSION_HOURS * 3600), path="/workbench", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip


def session_caller(request: Request) -> Caller | None:
    """The caller whose live session the request's cookie names, else None."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 128:
        return None
    services = request.app.state.services
    key_id = session_key_id(services.engine, token)
    return services.keys.caller_by_key_id(key_id) if key_id else None


def same_origin(request: Request) -> None:
    """Refuse a state-changing request another site made the browser send.

    The browser says where a request comes from in ``Sec-Fetch-Site`` (every current browser) or
    ``Origin``; either must name this site. A request with neither is not a browser's, so it
    carries no cookie an attacker could borrow. (Datasette's ``csrf.py`` checks the same way.)
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise CrossSiteRequest(f"a form sent from another site ({site}) is refused")
        return
    origin = request.headers.get("origin")
    if origin is not None and (origin == "null" or urlsplit(origin).netloc != request.url.netloc):
        raise CrossSiteRequest(f"a form sent from {origin} is refused")


def require(*roles: Role) -> Callable[..., Any]:
    """A dependency admitting a signed-in caller of ``roles``; POSTs also pass
    :func:`same_origin`. No session: redirect to sign-in; another role: 403."""

    def admitted(request: Request) -> Caller:
        if request.method not in ("GET", "HEAD"):
            same_origin(request)
        caller = session_caller(request)
        if caller is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(f"/workbench/login?next={quote(target)}")
        if caller.role not in roles:
            raise Forbidden(f"角色 {caller.role} 无权使用此页面")
        request.state.caller = caller
        return caller

    return admitted


StaffDep = Annotated[Caller, Depends(require(*STAFF))]
ReviewerDep = Annotated[Caller, Depends(require(Role.reviewer))]
PlannerDep = Annotated[Caller, Depends(require(Role.regulator, Role.admin))]
ReportDep = Annotated[Caller, Depends(require(Role.regulator, Role.reviewer))]
