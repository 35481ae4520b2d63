"""Workflows: review cases (objections, credit repair), re-grades and the append-only audit."""

from credit_scoring.workflows import commitments, interviews, listing, sanctions  # noqa: F401  (their tables join connect())
from credit_scoring.workflows.audit import audit_entries
from credit_scoring.workflows.database import connect
from credit_scoring.workflows.objections import decide_objection, file_objection, list_objections
from credit_scoring.workflows.regrades import Regraded, load_regrades, regrade_subject, served_now
from credit_scoring.workflows.repairs import apply_for_repair, decide_repair, list_repairs
from credit_scoring.workflows.workspace import Workspace

__all__ = [
    "Regraded",
    "Workspace",
    "apply_for_repair",
    "audit_entries",
    "connect",
    "decide_objection",
    "decide_repair",
    "file_objection",
    "list_objections",
    "list_repairs",
    "load_regrades",
    "regrade_subject",
    "served_now",
]
