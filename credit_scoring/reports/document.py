"""A credit report rendered: printable A4 HTML, and PDF with the CJK fonts embedded.

The PDF comes from WeasyPrint on the HTML, so the two formats say exactly the same thing. Fonts
are the system's (Debian's ``fonts-noto-cjk``, installed by the Makefile and ``.ci/run``);
WeasyPrint embeds the subset it uses, so the file reads the same on a machine without them.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import jinja2

from credit_scoring.merchants import qr_png
from credit_scoring.policies import GRADE_LABELS
from credit_scoring.reports.content import CreditReport

__all__ = ["report_html", "report_pdf"]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_SCORERS = {"rules": "规则评分卡", "scorecard": "证据权重评分卡", "gbm": "梯度提升模型"}


def report_html(
    report: CreditReport, *, report_no: str, office: str, issued_on: dt.date,
    valid_until: dt.date, verify_url: str,
) -> str:  # fmt: skip
    """The report as one self-contained HTML page (the QR code inline), laid out for A4."""
    grade = report.grade
    scorer = ""
    if grade is not None:
        scorer = f"{_SCORERS.get(grade.source, grade.source)}（{grade.model_version}）"
    qr = base64.b64encode(qr_png(verify_url)).decode()
    return _TEMPLATES.get_template("credit_report.html").render(
        report=report, report_no=report_no, office=office, issued_on=issued_on,
        valid_until=valid_until, verify_url=verify_url, qr_data_uri=f"data:image/png;base64,{qr}",
        grade_label=GRADE_LABELS[grade.grade] if grade else "", scorer=scorer,
    )  # fmt: skip


def report_pdf(html: str) -> bytes:
    """The HTML printed to PDF (A4, fonts embedded)."""
    import weasyprint  # a second to import: only commands that print pay it

    return weasyprint.HTML(string=html).write_pdf()
