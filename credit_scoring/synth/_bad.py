"""Deliberately bad rows, one defect each, so ingestion's reject counts can be checked exactly.

Every planted row is an *extra* row: a copy of a good row (never one of a subject whose code is
planted as a checksum mismatch) with a fresh key and exactly one defect, inserted at a random
place in the file (a duplicate always after its original). Good rows are never damaged, so no
record loses the subject or record it depends on, and ingestion of the files must reject
exactly the planted rows. The reason codes are ingestion's:

========================  ===============================================================
MISSING_REQUIRED          a required column left blank
UNKNOWN_CODE              an enum value outside its code list (``catastrophic``, ``转办中``)
INVALID_DATE              an impossible date (30 February) in the table's date spelling
FUTURE_DATE               an event date in 2099; later dates of the row are left blank
UNKNOWN_SUBJECT           a valid USCC that no subject has
DUPLICATE_KEY             a second row with the key of an earlier one and other content
INVALID_USCC              a malformed code: a letter I/O/Z/S/V, or 17 or 19 characters
ID_CHECKSUM_MISMATCH      (flagged, not rejected) a subject whose check character is wrong,
                          and every record carrying that code; planted in ``city.py``
========================  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.records.contract import TABLES
from credit_scoring.synth._ids import join_text
from credit_scoring.synth._writers import FileFormat, format_date

MISSING_REQUIRED = "MISSING_REQUIRED"
UNKNOWN_CODE = "UNKNOWN_CODE"
INVALID_DATE = "INVALID_DATE"
FUTURE_DATE = "FUTURE_DATE"
UNKNOWN_SUBJECT = "UNKNOWN_SUBJECT"
DUPLICATE_KEY = "DUPLICATE_KEY"
INVALID_USCC = "INVALID_USCC"
ID_CHECKSUM_MISMATCH = "ID_CHECKSUM_MISMATCH"

_RATE = 0.0005  # planted rows per good row, spread over the applicable reasons
_FUTURE, _IMPOSSIBLE = "2099-01-01", "2023-02-30"
_AMENDED = "（补录）"


@dataclass(frozen=True)
class _Spec:
    key: str | None  # the column a copied row needs a fresh value in
    missing: str  # a required column to blank
    code: tuple[str, str, str] | None  # column, unknown English code, unknown Chinese label
    date: str | None  # the event date to break
    alter: str  # what differs in a duplicate
    swap: tuple[str, str] | None = None  # ``alter`` is a code column: swap these two codes


_SPECS = {
    "subjects": _Spec(
        "uscc", "name", ("subject_type", "partnership", "合伙企业"), "registered_date", "address"
    ),
    "licences": _Spec("record_id", "licence_name", None, "decision_date", "authority"),
    "penalties": _Spec(
        "record_id",
        "violation_type",
        ("severity", "catastrophic", "特别严重"),
        "decision_date",
        "legal_basis",
    ),
    "commitments": _Spec(
        "record_id",
        "commitment_type",
        ("fulfilment", "abandoned", "已放弃"),
        "signed_date",
        "domain",
        ("street_shop", "catering"),
    ),
    "complaints": _Spec(
        "record_id", "outcome", ("outcome", "escalated", "转办中"), "received_date", "category"
    ),
    "inspections": _Spec(
        "record_id", "result", ("result", "postponed", "延期检查"), "inspection_date", "department"
    ),
    "list_entries": _Spec(
        "record_id", "list_type", ("list_type", "grey", "灰名单"), "entered_date", "reason"
    ),
    "inspectors": _Spec("inspector_id", "name", None, None, "name"),
    "record_events": _Spec(
        None, "event_type", ("event_type", "appeal_filed", "提起复议"), "event_date", "note"
    ),
}


def reasons_for(name: str) -> list[str]:
    """The reasons that can be planted in a table (no code column, no UNKNOWN_CODE; ...)."""
    spec, columns = _SPECS[name], TABLES[name].column_names
    kinds = [MISSING_REQUIRED]
    kinds += [UNKNOWN_CODE] if spec.code else []
    kinds += [INVALID_DATE, FUTURE_DATE] if spec.date else []
    kinds += [UNKNOWN_SUBJECT] if "uscc" in columns and name != "subjects" else []
    kinds += [DUPLICATE_KEY]
    kinds += [INVALID_USCC] if "uscc" in columns else []
    return kinds


class SpareCodes:
    """Valid USCCs of nobody, handed out in order so each planted subject is distinct."""

    def __init__(self, codes: pa.Array) -> None:
        self._codes = codes
        self._used = 0

    def take(self, k: int) -> pa.Array:
        if self._used + k > len(self._codes):
            raise ValueError("the synthetic city ran out of spare USCCs for planted rows")
        out = self._codes.slice(self._used, k)
        self._used += k
        return out


def plant(
    rng: np.random.Generator,
    name: str,
    table: pa.Table,
    fmt: FileFormat,
    spare: SpareCodes,
    eligible: np.ndarray,
    protected: np.ndarray,
) -> tuple[pa.Table, dict[str, int]]:
    """Insert bad rows into a rendered table; returns it and the count per reason.

    ``eligible`` marks rows that may serve as templates; ``protected`` rows (referenced by
    record events) are never duplicated, so an event's record stays unambiguous.
    """
    n = table.num_rows
    kinds = reasons_for(name)
    if n == 0:
        return table, {}
    per_kind = max(1, round(_RATE * n / len(kinds)))
    parts, keys, planted = [table], [np.arange(n, dtype=np.float64)], {}
    sequence = n + 1
    for kind in kinds:
        candidates = np.flatnonzero(eligible & ~protected if kind == DUPLICATE_KEY else eligible)
        k = min(per_kind, len(candidates))
        if k == 0:
            continue
        rows = np.sort(rng.choice(candidates, size=k, replace=False))
        bad = table.take(pa.array(rows))
        if kind != DUPLICATE_KEY:
            bad = _fresh_key(name, bad, spare, sequence)
            sequence += k
        bad = _defect(name, kind, bad, fmt, spare)
        if "subject" in bad.column_names:
            bad = _set(bad, "subject", pa.array(np.full(k, -1, dtype=np.int64)))
        parts.append(bad)
        # A duplicate comes after its original; other bad rows anywhere in the file.
        low = rows + 0.5 if kind == DUPLICATE_KEY else np.zeros(k)
        keys.append(low + rng.random(k) * (n - low))
        planted[kind] = k
    order = np.argsort(np.concatenate(keys), kind="stable")
    return pa.concat_tables(parts).take(pa.array(order)), planted


def _set(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    index = table.schema.get_field_index(column)
    return table.set_column(
        index, table.schema.field(index), values.cast(table.schema.field(index).type)
    )


def _fresh_key(name: str, bad: pa.Table, spare: SpareCodes, sequence: int) -> pa.Table:
    """A key nobody has: the next record sequence numbers, a spare USCC, a new badge number."""
    key = _SPECS[name].key
    k = bad.num_rows
    numbers = pc.cast(pa.array(np.arange(sequence, sequence + k)), pa.string())
    if key == "record_id":
        ids = bad["record_id"].combine_chunks()
        width = len(ids[0].as_py()) - 7  # 'CF2024-' then the sequence number
        fresh = join_text(pc.utf8_slice_codeunits(ids, 0, 7), pc.utf8_lpad(numbers, width, "0"))
    elif key == "uscc":
        fresh = spare.take(k)
    elif key == "inspector_id":
        fresh = join_text(pc.utf8_slice_codeunits(bad[key].combine_chunks(), 0, 8), "B", numbers)
    else:
        return bad
    return _set(bad, key, fresh)


def _defect(name: str, kind: str, bad: pa.Table, fmt: FileFormat, spare: SpareCodes) -> pa.Table:
    spec, k = _SPECS[name], bad.num_rows
    if kind == MISSING_REQUIRED:
        return _set(bad, spec.missing, pa.nulls(k, pa.string()))
    if kind == UNKNOWN_CODE and spec.code:
        column, english, chinese = spec.code
        return _set(bad, column, pa.array([chinese if column in fmt.labelled else english] * k))
    if kind in (INVALID_DATE, FUTURE_DATE) and spec.date:
        text = format_date(_FUTURE if kind == FUTURE_DATE else _IMPOSSIBLE, fmt.dates)
        bad = _set(bad, spec.date, pa.array([text] * k))
        for earlier, later in TABLES[name].date_order:
            if earlier == spec.date:  # keep the row free of a second (date order) defect
                bad = _set(bad, later, pa.nulls(k, pa.string()))
        return bad
    if kind == UNKNOWN_SUBJECT:
        return _set(bad, "uscc", spare.take(k))
    if kind == INVALID_USCC:
        return _set(bad, "uscc", pa.array(_malformed(bad["uscc"].to_pylist())))
    if kind == DUPLICATE_KEY:
        values = pc.coalesce(bad[spec.alter].combine_chunks(), "")
        if spec.swap:
            first, second = spec.swap
            return _set(bad, spec.alter, pc.if_else(pc.equal(values, first), second, first))
        return _set(bad, spec.alter, join_text(values, _AMENDED))
    raise ValueError(f"cannot plant {kind} in {name}")


def _malformed(codes: list[str]) -> list[str]:
    """Break each code one way: a forbidden letter, one character short, one too many."""
    broken = []
    for i, code in enumerate(codes):
        way = i % 4
        if way == 0:
            broken.append(code[:9] + "O" + code[10:])
        elif way == 1:
            broken.append(code[:12] + "I" + code[13:])
        elif way == 2:
            broken.append(code[:17])
        else:
            broken.append(code + "0")
    return broken
