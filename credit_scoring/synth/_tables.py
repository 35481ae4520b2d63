"""Frames to Arrow tables in contract column order, with English codes and typed columns.

Each table keeps a helper column ``subject`` (the subject's row) so bad rows can be planted and
flagged rows counted; the writer drops it. Sequence numbers in record ids follow the frame's row
order (time order), so ``CF2024-000123`` was decided before ``CF2024-000124``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.records import codes
from credit_scoring.synth import _vocab as v
from credit_scoring.synth._common import Frame, date_array, years_of
from credit_scoring.synth._events import NOTES
from credit_scoring.synth._ids import join_text, record_ids, take_text
from credit_scoring.synth._inspectors import Roster
from credit_scoring.synth._lists import REASONS
from credit_scoring.synth._penalties import COMBO_CODES

PREFIXES = {
    "licences": "XK",
    "penalties": "CF",
    "commitments": "CN",
    "complaints": "TS",
    "inspections": "JC",
    "list_entries": "MD",
}
_CREDIT_OFFICE = "宁波市社会信用体系建设领导小组办公室"


def id_width(n_rows: int) -> int:
    """Digits of the sequence number: room for the rows plus any planted rows."""
    return max(6, len(str(n_rows + n_rows // 100 + 64)))


def ids_of(table: str, frame: Frame, rows: np.ndarray | None = None) -> pa.Array:
    """Record ids of a frame's rows (all rows by default)."""
    n = len(frame["day"])
    rows = np.arange(n) if rows is None else rows
    return record_ids(PREFIXES[table], years_of(frame["day"][rows]), rows + 1, id_width(n))


def _numbers(table: str, frame: Frame, kind: str, ids: pa.Array) -> pa.Array:
    """Decision numbers such as 甬海综执罚决字〔2024〕第000123号, from the record id."""
    short = take_text(v.department_short(), frame["department"])
    year = pc.utf8_slice_codeunits(ids, 2, 6)
    sequence = pc.utf8_slice_codeunits(ids, 7, 32)
    return join_text(short, kind, "〔", year, "〕第", sequence, "号")


def _uscc(uscc: pa.Array, frame: Frame) -> pa.Array:
    return uscc.take(pa.array(frame["subject"]))


def _amount(values: np.ndarray) -> pa.Array:
    return pa.array(values, mask=np.isnan(values), type=pa.float64())


def licences(frame: Frame, uscc: pa.Array) -> pa.Table:
    ids = ids_of("licences", frame)
    return pa.table(
        {
            "record_id": ids,
            "uscc": _uscc(uscc, frame),
            "licence_name": take_text(v.LICENCE_NAMES, frame["domain"]),
            "decision_no": _numbers("licences", frame, "许字", ids),
            "decision_date": date_array(frame["day"]),
            "valid_from": date_array(frame["day"]),
            "valid_to": date_array(frame["valid_to"]),
            "licence_category": take_text(v.LICENCE_CATEGORIES, frame["domain"]),
            "authority": take_text(v.department_names(), frame["department"]),
            "published_date": date_array(frame["published"]),
            "subject": frame["subject"],
        }
    )


def penalties(frame: Frame, uscc: pa.Array) -> pa.Table:
    ids = ids_of("penalties", frame)
    types, _, _ = v.flatten(v.VIOLATION_TYPES)
    bases, _, _ = v.flatten(v.LEGAL_BASES)
    return pa.table(
        {
            "record_id": ids,
            "uscc": _uscc(uscc, frame),
            "decision_no": _numbers("penalties", frame, "罚决字", ids),
            "violation_type": take_text(types, frame["vtype"]),
            "penalty_types": take_text(COMBO_CODES, frame["combo"]),
            "decision_date": date_array(frame["day"]),
            "severity": take_text(codes.SEVERITIES.codes, frame["severity"]),
            "fine_amount": _amount(frame["fine"]),
            "confiscated_amount": _amount(frame["confiscated"]),
            "legal_basis": take_text(bases, frame["vtype"]),
            "authority": take_text(v.department_names(), frame["department"]),
            "published_date": date_array(frame["published"]),
            "subject": frame["subject"],
        }
    )


def commitments(frame: Frame, uscc: pa.Array) -> pa.Table:
    return pa.table(
        {
            "record_id": ids_of("commitments", frame),
            "uscc": _uscc(uscc, frame),
            "commitment_type": take_text(codes.COMMITMENT_TYPES.codes, frame["kind"]),
            "signed_date": date_array(frame["day"]),
            "due_date": date_array(frame["due"]),
            "fulfilment": take_text(codes.FULFILMENTS.codes, frame["fulfilment"]),
            "verified_date": date_array(frame["verified"]),
            "domain": take_text(codes.DOMAINS.codes, frame["domain"]),
            "subject": frame["subject"],
        }
    )


def complaints(frame: Frame, uscc: pa.Array) -> pa.Table:
    categories, _, _ = v.flatten(v.COMPLAINT_CATEGORIES)
    return pa.table(
        {
            "record_id": ids_of("complaints", frame),
            "uscc": _uscc(uscc, frame),
            "received_date": date_array(frame["day"]),
            "outcome": take_text(codes.COMPLAINT_OUTCOMES.codes, frame["outcome"]),
            "channel": take_text(codes.COMPLAINT_CHANNELS.codes, frame["channel"]),
            "category": take_text(categories, frame["category"]),
            "closed_date": date_array(frame["closed"]),
            "subject": frame["subject"],
        }
    )


def inspections(frame: Frame, uscc: pa.Array, roster: Roster, labels: tuple[str, ...]) -> pa.Table:
    n_departments = len(v.department_names())
    plans = [
        f"SSJ-{label}-{v.DISTRICT_CODES[d // len(v.BUREAUS)]}-{v.BUREAU_SHORT[d % len(v.BUREAUS)]}"
        for label in labels
        for d in range(n_departments)
    ]
    return pa.table(
        {
            "record_id": ids_of("inspections", frame),
            "uscc": _uscc(uscc, frame),
            "inspection_date": date_array(frame["day"]),
            "result": take_text(codes.INSPECTION_RESULTS.codes, frame["result"]),
            "plan_id": take_text(plans, frame["plan"]),
            "department": take_text(v.department_names(), frame["department"]),
            "inspectors": roster.pair_text(frame["inspector_a"], frame["inspector_b"]),
            "random_sample": pa.array(frame["random"]),
            "inclusion_prob": _amount(frame["prob"]),
            "published_date": date_array(frame["published"]),
            "subject": frame["subject"],
        }
    )


def list_entries(frame: Frame, uscc: pa.Array, department: np.ndarray) -> pa.Table:
    """Black and key-attention lists by the supervising department, debtors by district courts."""
    authorities = [
        *v.department_names(),
        *(f"宁波市{d}人民法院" for d in v.DISTRICT_NAMES),
        _CREDIT_OFFICE,
    ]
    n_departments = len(v.department_names())
    kind = frame["list_type"]
    region = department[frame["subject"]] // len(v.BUREAUS)
    authority = np.select(
        [kind == 3, kind == 0],
        [n_departments + region, len(authorities) - 1],
        department[frame["subject"]],
    )
    return pa.table(
        {
            "record_id": ids_of("list_entries", frame),
            "uscc": _uscc(uscc, frame),
            "list_type": take_text(codes.LIST_TYPES.codes, kind),
            "entered_date": date_array(frame["day"]),
            "removed_date": date_array(frame["removed"]),
            "reason": take_text(REASONS, kind),
            "authority": take_text(authorities, authority),
            "subject": frame["subject"],
        }
    )


def record_events(events: Frame, penalty_frame: Frame) -> pa.Table:
    """Events on penalties, newest last; the actor is the deciding department."""
    order = np.lexsort((events["event_type"], events["day"]))
    record, day, kind = (events[c][order] for c in ("record", "day", "event_type"))
    department = penalty_frame["department"][record]
    return pa.table(
        {
            "record_id": ids_of("penalties", penalty_frame, record),
            "table": pa.array(np.full(len(record), "penalties")),
            "event_type": take_text(codes.EVENT_TYPES.codes, kind),
            "event_date": date_array(day),
            "actor": take_text(v.department_names(), department),
            "note": take_text([NOTES[c] for c in codes.EVENT_TYPES.codes], kind),
        }
    )
