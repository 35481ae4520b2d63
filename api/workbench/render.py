"""Rendering workbench pages: one Jinja2 environment, Chinese labels and number formats, and
the error page every failure on a workbench path becomes (instead of problem+json)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from credit_scoring.policies import GRADE_LABELS, GRADES, STRATUM_LABELS
from credit_scoring.records.codes import (
    DOMAINS,
    INSPECTION_RESULTS,
    LIST_TYPES,
    RECORD_TABLES,
    SUBJECT_TYPES,
)

__all__ = ["error_response", "page", "templates"]

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates" / "workbench")
_ROLES = {"regulator": "监管人员", "reviewer": "审核人员", "analyst": "分析人员", "admin": "管理员"}
_STATUSES = {"pending": "待办", "flagged": "已标注", "upheld": "异议成立", "rejected": "不予支持",
             "approved": "准予修复", "refused": "不予修复", "ineligible": "不符合条件"}  # fmt: skip
_DESIGNS = {"optimal": "最优分配", "stratified": "分层随机", "pps": "按风险概率（PPS）"}


def _label(codes: Any) -> Any:
    return lambda code: codes.labels.get(code, code) if code else ""


def _number(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _percent(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{100 * value:.{digits}f}%"


templates.env.filters.update(
    num=_number, pct=_percent, subject_type=_label(SUBJECT_TYPES), domain=_label(DOMAINS),
    list_type=_label(LIST_TYPES), table=_label(RECORD_TABLES), result=_label(INSPECTION_RESULTS),
    role=lambda r: _ROLES.get(str(r), str(r)), status=lambda s: _STATUSES.get(s, s),
    design=lambda d: _DESIGNS.get(d, d),
    grade_label=lambda g: GRADE_LABELS.get(g, ""),
)  # fmt: skip
templates.env.globals.update(GRADES=GRADES, GRADE_LABELS=GRADE_LABELS, labels=STRATUM_LABELS)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A workbench page, with the signed-in caller for the header."""
    caller = getattr(request.state, "caller", None)
    return templates.TemplateResponse(request, name, {"caller": caller, **context},
                                      status_code=status_code)  # fmt: skip


def error_response(request: Request, status: int, message: str) -> Response:
    """A failure on a workbench page: to sign-in when there is no session, else a page saying
    what went wrong in the caller's terms."""
    if status == 303:
        return RedirectResponse(message, status_code=303)
    return page(request, "error.html", status_code=status, status=status, message=message)
