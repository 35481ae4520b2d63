"""Re-graded subjects served over the published snapshot until a newer snapshot includes them.

A reviewer's decision (an upheld objection, an approved repair) or an on-demand re-grade changes
one subject's grade *now*, while the snapshot was computed hours or days ago. Rather than
republishing a million subjects for one, the new explanation and the subject's standing records
are saved as a row of ``regrades`` in the workflow database, in the same database as the
decision and its audit entry, so every worker and every restart sees it; each is audited
(``regrade_saved``, ``regrade:<id>``) with the hash of its row. A regrade is served
while it is newer than the store read of the current snapshot (``Manifest.store_read_at``); a
snapshot computed after it already reflects the event in the store and takes over, so the overlay
never grows without bound and never masks a newer batch result.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from credit_scoring.errors import SnapshotNotFound
from credit_scoring.explain.explanation import Explanation, explanation_table
from credit_scoring.grading import Grader
from credit_scoring.records.store import Store
from credit_scoring.snapshots.serving import Regraded, Served, SnapshotHolder
from credit_scoring.snapshots.standing import standing_records
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import Regrade

__all__ = ["Regraded", "load_regrades", "regrade_subject", "save_regrade", "served_now"]

_DATES = ("start", "until", "withdrawn_on")


def regrade_subject(
    store: Store, engine: Engine, uscc: str, *, day: dt.date, grader: Grader, actor: str
) -> Regraded:
    """Grade and explain ``uscc`` from the store as of ``day`` and save it as a regrade, audited
    as ``actor``'s."""
    explanation = grader.explain(store, uscc, as_of=day)
    standing = standing_records(store, as_of=day, subjects=[uscc])
    return save_regrade(engine, explanation, standing, actor=actor)


def save_regrade(
    engine: Engine, explanation: Explanation, standing: pa.Table, *, actor: str
) -> Regraded:
    """Persist one subject's new explanation and standing records, with the audit entry that
    vouches for the row; returns the saved entry."""
    row = explanation_table([explanation]).iloc[0].to_dict()
    rows = _plain_rows(standing)
    with Session(engine, expire_on_commit=False) as session:
        entry = Regrade(
            uscc=explanation.uscc,
            regraded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            explanation=json.dumps(row, ensure_ascii=False, default=str),
            standing=json.dumps(rows, ensure_ascii=False, default=str),
        )
        session.add(entry)
        session.flush()
        audit(session, actor=actor, action="regrade_saved", uscc=entry.uscc,
              target=f"regrade:{entry.id}",
              after={"grade": explanation.grade, "as_of": explanation.as_of,
                     "source": explanation.source}, row=entry)  # fmt: skip
        session.commit()
    return _entry(entry)


def load_regrades(engine: Engine, *, after_id: int = 0) -> list[Regraded]:
    """Regrades with an id above ``after_id``, oldest first (a later one for a subject wins)."""
    query = select(Regrade).where(Regrade.id > after_id).order_by(Regrade.id)
    with Session(engine) as session:
        return [_entry(e) for e in session.scalars(query)]


def _plain_rows(standing: pa.Table) -> list[dict[str, Any]]:
    rows = standing.to_pylist()
    for row in rows:
        for column in _DATES:
            if row[column] is not None:
                row[column] = row[column].isoformat()
    return rows


def _entry(entry: Regrade) -> Regraded:
    standing = json.loads(entry.standing)
    for row in standing:
        for column in _DATES:
            if row[column] is not None:
                row[column] = dt.date.fromisoformat(row[column])
    return Regraded(
        id=entry.id,
        uscc=entry.uscc,
        regraded_at=entry.regraded_at.replace(tzinfo=dt.UTC),  # stored as UTC, without offset
        explanation=json.loads(entry.explanation),
        standing=standing,
    )


def served_now(snapshot_dir: Path, engine: Engine, *, verify: bool = True) -> Served:
    """What the service serves now: the current published snapshot with every regrade over it
    (the command line's way to the grades and records the API answers with)."""
    holder = SnapshotHolder(snapshot_dir, verify=verify)
    holder.refresh()
    holder.add_regrades(load_regrades(engine))
    if holder.state is None:
        raise SnapshotNotFound(
            f"no published snapshot in {snapshot_dir}: run `credit-scoring publish` first"
        )
    return holder.state
