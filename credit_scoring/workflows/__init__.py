"""Workflows: objections, credit repair and the append-only audit trail."""

from credit_scoring.workflows.audit import audit_entries
from credit_scoring.workflows.database import DEFAULT_URL, connect
from credit_scoring.workflows.objections import decide_objection, file_objection, list_objections
from credit_scoring.workflows.repairs import apply_for_repair, decide_repair, list_repairs
from credit_scoring.workflows.workspace import Workspace

__all__ = [
    "DEFAULT_URL",
    "Workspace",
    "apply_for_repair",
    "audit_entries",
    "connect",
    "decide_objection",
    "decide_repair",
    "file_objection",
    "list_objections",
    "list_repairs",
]
