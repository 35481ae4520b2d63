"""Documents a credit office hands out: the credit report (信用报告) of one subject."""

from credit_scoring.reports.content import AUDIENCES, CreditReport, credit_report
from credit_scoring.reports.document import report_html, report_pdf
from credit_scoring.reports.issuing import (
    IssuedDocument,
    ReportVerification,
    issue_report,
    verify_report,
)

__all__ = [
    "AUDIENCES",
    "CreditReport",
    "IssuedDocument",
    "ReportVerification",
    "credit_report",
    "issue_report",
    "report_html",
    "report_pdf",
    "verify_report",
]
