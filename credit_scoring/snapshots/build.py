"""Computing a snapshot's tables from the store: grades, reasons, subjects and standing records.

Everything a request needs is computed here, in batch, so the service answers from memory and
never runs a model on the request path (a re-grade after a decision is the one exception).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.grading import Grader
from credit_scoring.records.codes import mask_operator_name, mask_person_name, mask_resident_id
from credit_scoring.records.store import Store
from credit_scoring.snapshots.publish import Manifest, publish_snapshot
from credit_scoring.snapshots.standing import standing_records

__all__ = ["SUBJECT_COLUMNS", "SnapshotTables", "build_snapshot", "public_subjects", "publish"]

SUBJECT_COLUMNS = [
    "uscc", "name", "subject_type", "region_code", "domains", "status", "legal_rep_name",
    "legal_rep_id",
]  # fmt: skip


@dataclass(frozen=True)
class SnapshotTables:
    tables: dict[str, pd.DataFrame | pa.Table]
    as_of: dt.date
    store_read_at: dt.datetime
    grading: dict[str, Any]  # Grader.describe(): who decided, with which model and policy


def build_snapshot(store: Store, *, as_of: dt.date, grader: Grader) -> SnapshotTables:
    """Grade and explain every subject as of ``as_of`` with ``grader``."""
    read_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    features = grader.features(store, as_of=as_of)
    grades = grader.grade(features)
    explanations = grader.explain_table(store, features, grades, as_of=as_of)
    subjects = public_subjects(store, grades["uscc"].tolist())
    tables = {
        "grades": grades,
        "explanations": explanations,
        "subjects": subjects,
        "standing": standing_records(store, as_of=as_of),
    }
    return SnapshotTables(tables, as_of, read_at, grader.describe())


def public_subjects(store: Store, usccs: list[str] | None = None) -> pa.Table:
    """The subjects' public face, sorted by USCC, with personal data masked at the source.

    A snapshot is read by every role, so it never holds a legal representative's name or ID in
    the clear, nor an individual business's name made of its operator's name; reviewers read
    those from the store (``GET /v1/subjects/{uscc}/records``).
    """
    with store.con.cursor() as cursor:
        table = cursor.sql(
            f"""SELECT {", ".join(SUBJECT_COLUMNS[:4])}, array_to_string(domains, ';') AS domains,
                       {", ".join(SUBJECT_COLUMNS[5:])}
                FROM subjects ORDER BY uscc"""
        ).to_arrow_table()
    if usccs is not None:
        table = table.filter(pc.is_in(table.column("uscc"), pa.array(usccs, pa.string())))
    operators = table.column("legal_rep_name").to_pylist()
    names = [
        mask_operator_name(name, operator) if kind == "individual_business" else name
        for name, kind, operator in zip(
            table.column("name").to_pylist(), table.column("subject_type").to_pylist(), operators,
            strict=True,
        )
    ]  # fmt: skip
    table = table.set_column(
        table.schema.get_field_index("name"), "name", pa.array(names, pa.string())
    )
    for column, mask in (("legal_rep_name", mask_person_name), ("legal_rep_id", mask_resident_id)):
        masked = pa.array([mask(v) or None for v in table.column(column).to_pylist()], pa.string())
        table = table.set_column(table.schema.get_field_index(column), column, masked)
    return table


def publish(store: Store, root: Path, *, as_of: dt.date, grader: Grader) -> Manifest:
    """Build the snapshot of ``as_of`` and publish it under ``root`` as the current one."""
    built = build_snapshot(store, as_of=as_of, grader=grader)
    return publish_snapshot(
        root, built.tables, as_of=built.as_of, store_read_at=built.store_read_at,
        grading=built.grading,
    )  # fmt: skip
