"""Everything the store holds on one subject: its registration, records and their events,
and the records workflows wrote (warning interviews).

What a reviewer reads before deciding an objection or a repair; it carries personal data in the
clear (the legal representative's name and ID), so only reviewers are given it.
"""

from __future__ import annotations

from typing import Any

from credit_scoring.errors import SubjectNotFound
from credit_scoring.records.codes import RECORD_TABLES
from credit_scoring.records.contract import TABLES, WORKFLOW_TABLES
from credit_scoring.records.store import Store, quote

__all__ = ["subject_dossier"]

_DATE_OF = {"licences": "decision_date", "penalties": "decision_date",
            "commitments": "signed_date", "complaints": "received_date",
            "inspections": "inspection_date", "list_entries": "entered_date",
            "interviews": "interview_date"}  # fmt: skip


def subject_dossier(store: Store, uscc: str) -> dict[str, Any]:
    """``{"subject": …, "records": {table: [rows newest first]}, "events": [...]}``."""
    subject = _rows(store, "SELECT * FROM subjects WHERE uscc = ?", [uscc], "subjects")
    if not subject:
        raise SubjectNotFound(f"no subject {uscc} in the records store")
    records = {
        table: _rows(
            store,
            f"SELECT * FROM {quote(table)} WHERE uscc = ? "
            f"ORDER BY {quote(_DATE_OF[table])} DESC, record_id",
            [uscc],
            table,
        )
        for table in (*RECORD_TABLES.codes, *WORKFLOW_TABLES)
    }
    ids = [(t, r["record_id"]) for t, rows in records.items() for r in rows]
    events = []
    if ids:
        pairs = ", ".join("(?, ?)" for _ in ids)
        events = _rows(
            store,
            f'SELECT * FROM record_events WHERE ("table", record_id) IN ({pairs}) '
            "ORDER BY event_date, record_id, event_type",
            [v for pair in ids for v in pair],
            "record_events",
        )
    return {"subject": subject[0], "records": records, "events": events}


def _rows(store: Store, sql: str, params: list[Any], table: str) -> list[dict[str, Any]]:
    # Only the contract's columns: the store's bookkeeping (_row, _run_id…) is not the record.
    columns = {**TABLES, **WORKFLOW_TABLES}[table].column_names
    cursor = store.con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [
        {c: v for c, v in zip(names, row, strict=True) if c in columns} for row in cursor.fetchall()
    ]
