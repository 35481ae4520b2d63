"""一店一码 and 红黑榜: the public merchant page, its QR code, and the red and black lists."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.auth import EVERYONE, RoleRoute, allow
from api.deps import ServedDep, ServicesDep, TodayDep
from api.errors import ServiceNotReady
from api.files import FILE_RESPONSES, file_response
from api.schemas.common import Uscc
from api.schemas.public import ListPublic, ReportVerificationPublic
from credit_scoring.merchants import (
    list_csv_bytes,
    list_xlsx_bytes,
    merchant_page,
    qr_png,
    red_black_list,
)
from credit_scoring.records.codes import LIST_TYPES
from credit_scoring.reports import verify_report

router = APIRouter(route_class=RoleRoute, prefix="/public", tags=["public"])
templates = Jinja2Templates(directory=FilePath(__file__).parents[1] / "templates")

UsccPath = Annotated[Uscc, Path(description="The subject's unified social credit code")]


@router.get("/merchants/{uscc}", response_class=HTMLResponse, **allow(*EVERYONE, errors=[404]))
async def merchant(
    uscc: UsccPath, request: Request, served: ServedDep, today: TodayDep
) -> Response:
    """The shop's public credit page in Chinese: only what may be published today."""
    page = merchant_page(served, uscc, today)
    return templates.TemplateResponse(request, "merchant.html", {"page": page})


@router.get(
    "/merchants/{uscc}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "QR code of the page URL"}},
    **allow(*EVERYONE, errors=[404]),
)
async def merchant_qr(
    uscc: UsccPath, request: Request, served: ServedDep, services: ServicesDep
) -> Response:
    """A QR code of the merchant page's URL, for printing at the shop door.

    The URL is the configured ``PUBLIC_BASE_URL``'s, never the one the request came in on: a
    code printed for a door must not point wherever a request's Host header said.
    """
    served.subject(uscc)  # no code for a subject the snapshot does not know
    base = services.settings.public_base_url
    if not base:
        raise ServiceNotReady("QR codes need the public address of this service: set "
                              "CREDIT_SCORING_PUBLIC_BASE_URL")  # fmt: skip
    return Response(qr_png(f"{base.rstrip('/')}/public/merchants/{uscc}"), media_type="image/png")


@router.get(
    "/lists/{list_type}", response_model=ListPublic, responses=FILE_RESPONSES, **allow(*EVERYONE)
)
async def public_list(
    list_type: Literal["red", "black"],
    served: ServedDep,
    today: TodayDep,
    region: Annotated[
        str | None, Query(pattern=r"^[0-9]{2,6}$", description="Region code or its prefix")
    ] = None,
    domain: Annotated[str | None, Query(max_length=32, description="e.g. catering")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> ListPublic | Response:
    """The current 红榜 or 黑榜: publishable entries only, newest first; ``?format=csv|xlsx``
    downloads the whole list (Chinese headers; CSV in UTF-8 with a BOM)."""
    entries = red_black_list(served, list_type, today, region=region, domain=domain)
    if format != "json":
        name = f"{LIST_TYPES.label(list_type)}-{today.isoformat()}"
        content = list_csv_bytes(entries) if format == "csv" else list_xlsx_bytes(entries, name)
        return file_response(content, format, name)
    return ListPublic(
        list_type=list_type, day=today, snapshot_id=served.snapshot_id, total=len(entries),
        entries=entries[offset : offset + limit],
    )  # fmt: skip


@router.get("/reports/{report_no}", **allow(*EVERYONE, errors=[404]))
def report_verification(
    report_no: Annotated[str, Path(pattern=r"^XY[0-9]{8}-[0-9A-F]{8}$")],
    services: ServicesDep,
    today: TodayDep,
    sha256: Annotated[
        str | None,
        Query(pattern=r"^[0-9a-fA-F]{64}$", description="The SHA-256 of the file in hand"),
    ] = None,
) -> ReportVerificationPublic:
    """Was this credit report issued here, when, valid until when; with ``?sha256=`` whether
    the file in hand is the one issued (a changed file has another digest). 404: not issued."""
    result = verify_report(services.engine, report_no=report_no, sha256=sha256, day=today)
    return ReportVerificationPublic(
        report_no=result.report_no, uscc=result.uscc, audience=result.audience,
        issued_on=result.issued_on, valid_until=result.valid_until, valid_today=result.valid_on,
        sha256=result.sha256, matches=result.matches,
    )  # fmt: skip
