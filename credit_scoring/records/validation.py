"""Row-level validation of one file against its table contract, column by column.

Each column is parsed once per *distinct* value and the result broadcast to the rows (a file of a
million penalties holds a few thousand distinct dates and a few dozen penalty-type spellings), so
validation costs about as much as reading. Amounts are the exception: a million fines hold
hundreds of thousands of distinct texts, so the plain numbers among them are read in bulk
(:func:`_parse_numbers`). The checks that need the store — unknown subjects, keys repeated in the
file — run in SQL inside the ingest transaction (:mod:`.ingestion`), which also leaves out the
rows rejected here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.errors import FileRejected
from credit_scoring.records import codes
from credit_scoring.records.contract import Column, Kind, Table, normalise_header
from credit_scoring.records.reading import RawFile
from credit_scoring.records.reasons import FLAG_CODES, REASONS, Issue, describe

__all__ = ["CheckedFile", "check_file", "map_headers", "parse_date"]

# Issue codes travel as small ints per row (0: none): a million-row file stays cheap to check.
_CODE_NAMES: tuple[str | None, ...] = (None, *REASONS)
_CODE_IDS = {code: i for i, code in enumerate(_CODE_NAMES)}
_LIST_SEPARATORS = re.compile(r"[;；,，、|]")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T][\d:.]+)?$")
_REGION = re.compile(r"^\d{6}$")
_INDUSTRY = re.compile(r"^[A-T](\d{2,4})?$|^\d{2,4}$")


@dataclass
class CheckedFile:
    """Every row typed as the store keeps it, the rejected ones marked, and every issue found."""

    # contract columns + _row (file row number) + _flags (list of flag codes) + _rejected: the
    # ingest leaves rejected rows out in SQL, cheaper than copying the table here to drop them
    data: pa.Table
    issues: list[Issue]
    unknown_headers: list[str]
    rows_read: int


# The largest amount a record may carry, in yuan (a trillion): beyond it a value is a typo or
# a unit error, and a float would lose its cents.
MAX_AMOUNT = 1e12


def check_file(raw: RawFile, table: Table, *, today: dt.date, strict: bool = False) -> CheckedFile:
    """Validate ``raw`` against ``table``; rows with a rejecting issue are marked ``_rejected``."""
    mapping, unknown = map_headers(raw, table)
    n = raw.data.num_rows
    typed: dict[str, pa.Array] = {}
    problems: dict[str, np.ndarray] = {}
    for column in table.columns:
        if column.name not in mapping:
            typed[column.name] = pa.nulls(n, _arrow_type(column.kind))
            continue
        source, factor = mapping[column.name]
        values, errors = _parse_column(column, raw.data[source], factor, today)
        typed[column.name], problems[column.name] = values, errors
    _check_date_order(table, typed, problems)
    where = _mark_emptied(raw, mapping, problems)
    return _assemble(raw, table, mapping, typed, problems, unknown, strict, today, where)


def map_headers(raw: RawFile, table: Table) -> tuple[dict[str, tuple[str, float]], list[str]]:
    """Each contract column's header in ``raw`` (and its unit factor), and the unknown headers;
    :class:`FileRejected` if a required column has none."""
    known = table.header_map()
    mapping: dict[str, tuple[str, float]] = {}
    unknown = []
    for header in raw.data.column_names:
        target = known.get(normalise_header(header))
        if target is None or target[0] in mapping:
            unknown.append(header)
        else:
            mapping[target[0]] = (header, target[1])
    missing = [c for c in table.columns if c.required and c.name not in mapping]
    if missing:
        names = ", ".join(f"{c.name} ({c.zh})" for c in missing)
        raise FileRejected(
            raw.path,
            f"required column(s) missing for table {table.name}: {names}; "
            f"headers found: {', '.join(raw.data.column_names)}",
            f"缺少{table.zh}表的必填列：{names}",
        )
    return mapping, unknown


# --- Parsing one column ---------------------------------------------------------------------------

# The value of each distinct text and its issue code.
Parsed = tuple[list[object], list[str | None]]


def _parse_column(
    column: Column, values: pa.ChunkedArray, factor: float, today: dt.date
) -> tuple[pa.Array, np.ndarray]:
    """The typed values of one column and, per row, the id of its issue (0: none)."""
    text = pc.utf8_trim_whitespace(values.combine_chunks())
    if column.kind is Kind.TEXT:
        parsed = _empty_as_null(text)
        errors = np.zeros(len(text), dtype=np.int8)
    elif column.kind in (Kind.AMOUNT, Kind.PROBABILITY):
        parsed, errors = _parse_numbers(column, text, factor)
    else:
        encoded = pc.dictionary_encode(text)
        uniques = encoded.dictionary.to_pylist()
        per_unique, codes_per_unique = _PARSERS[column.kind](column, uniques, factor, today)
        indices = encoded.indices
        parsed = pa.array(per_unique, _arrow_type(column.kind), from_pandas=True).take(indices)
        ids = np.array([_CODE_IDS[code] for code in codes_per_unique], dtype=np.int8)
        errors = ids[indices.to_numpy(zero_copy_only=False)]
    if column.required:
        missing = parsed.is_null().to_numpy(zero_copy_only=False) & (errors == 0)
        errors[missing] = _CODE_IDS["MISSING_REQUIRED"]
    return parsed, errors


def _empty_as_null(text: pa.Array) -> pa.Array:
    empty = pc.equal(text, "")
    if not pc.any(empty).as_py():  # the common case; if_else on strings costs a full copy
        return text
    if pc.all(empty).as_py():
        return pa.nulls(len(text), pa.string())
    return pc.if_else(empty, pa.scalar(None, pa.string()), text)


def _parse_uscc(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
    upper = [u.upper() for u in uniques]
    statuses = codes.uscc_statuses(upper)
    values: list[object] = [u or None for u in upper]
    errors = [_id_issue(u, s, "INVALID_USCC") for u, s in zip(upper, statuses, strict=True)]
    return values, errors


def _parse_uscc_list(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
    values: list[object] = []
    errors: list[str | None] = []
    for text in uniques:
        items = [p.strip().upper() for p in _LIST_SEPARATORS.split(text) if p.strip()]
        statuses = codes.uscc_statuses(items)
        issues = [_id_issue(i, s, "INVALID_USCC") for i, s in zip(items, statuses, strict=True)]
        values.append(items or None)
        errors.append(_worst(issues))
    return values, errors


def _parse_resident_id(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
    values: list[object] = [u.upper() or None for u in uniques]
    errors = [
        _id_issue(u, codes.resident_id_status(u), "INVALID_ID") if u else None for u in uniques
    ]
    return values, errors


def _id_issue(value: str, status: codes.IdStatus, malformed_code: str) -> str | None:
    if not value or status is codes.IdStatus.VALID:
        return None
    if status is codes.IdStatus.CHECKSUM_MISMATCH:
        return "ID_CHECKSUM_MISMATCH"
    return malformed_code


def _worst(issues: list[str | None]) -> str | None:
    """A rejecting issue outranks a flag."""
    found = [i for i in issues if i]
    rejecting = [i for i in found if i not in FLAG_CODES]
    return next(iter(rejecting or found), None)


def _parse_pattern(pattern: re.Pattern[str], code: str) -> Callable[..., Parsed]:
    def parse(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
        errors = [code if u and not pattern.match(u) else None for u in uniques]
        return [u or None for u in uniques], errors

    return parse


def _parse_code(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
    assert column.code_list is not None
    lookup = column.code_list.lookup()
    values: list[object] = [lookup.get(u, lookup.get(u.lower())) if u else None for u in uniques]
    errors = [
        "UNKNOWN_CODE" if u and v is None else None for u, v in zip(uniques, values, strict=True)
    ]
    return values, errors


def _parse_code_list(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
    assert column.code_list is not None
    lookup = column.code_list.lookup()
    values: list[object] = []
    errors: list[str | None] = []
    for text in uniques:
        items = [p.strip() for p in _LIST_SEPARATORS.split(text) if p.strip()]
        parsed = [lookup.get(i, lookup.get(i.lower())) for i in items]
        values.append(list(dict.fromkeys(p for p in parsed if p)) or None)
        errors.append("UNKNOWN_CODE" if None in parsed else None)
    return values, errors


def _parse_date(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
    values: list[object] = []
    errors: list[str | None] = []
    for text in uniques:
        day = parse_date(text)
        values.append(day)
        if text and day is None:
            errors.append("INVALID_DATE")
        elif day is not None and column.kind is Kind.EVENT_DATE and day > today:
            errors.append("FUTURE_DATE")
        else:
            errors.append(None)
    return values, errors


def parse_date(text: str) -> dt.date | None:
    """A date in one of the contract's formats, or None; a time part is ignored."""
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


# A number as a program writes it ("1234.5", "-5", "1e305"). Arrow reads these as pandas does:
# every value the checks accept is the same to the last bit once rounded to 6 decimals; they
# differ only on integers far past a trillion, rejected either way (test_validation.py).
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _parse_numbers(column: Column, text: pa.Array, factor: float) -> tuple[pa.Array, np.ndarray]:
    """Amounts or probabilities, per row, with their issue ids (0: none).

    Plain numbers are read in bulk by Arrow; only texts written otherwise ("1,000", "500元",
    "5%", "abc") are parsed one distinct text at a time.
    """
    plain = pc.match_substring_regex(text, _PLAIN_NUMBER).to_numpy(zero_copy_only=False)
    has_text = pc.greater(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    numbers = np.full(len(text), np.nan)
    read = pc.cast(text.filter(pa.array(plain)), pa.float64())
    numbers[plain] = read.to_numpy(zero_copy_only=False)
    written = np.flatnonzero(has_text & ~plain)
    if len(written):
        encoded = pc.dictionary_encode(text.take(pa.array(written)))
        uniques = encoded.dictionary.to_pylist()
        per_unique = _written_numbers(uniques, percent=column.kind is Kind.PROBABILITY)
        numbers[written] = per_unique[encoded.indices.to_numpy(zero_copy_only=False)]
    with np.errstate(invalid="ignore", over="ignore"):
        numbers = numbers * factor  # e.g. 10,000 yuan to yuan; checked after, so 1e305 fails
        if column.kind is Kind.AMOUNT:
            ok, code = (numbers >= 0) & (numbers <= MAX_AMOUNT), "INVALID_AMOUNT"
        else:
            ok, code = (numbers > 0) & (numbers <= 1), "INVALID_PROBABILITY"
        ok &= np.isfinite(numbers)
        values = np.where(ok, np.round(numbers, 6), np.nan)
    errors = np.where(has_text & ~ok, _CODE_IDS[code], 0).astype(np.int8)
    return pa.array(values, pa.float64(), from_pandas=True), errors


def _written_numbers(uniques: list[str], *, percent: bool) -> np.ndarray:
    """Texts that are not plain numbers: pandas reads what it can, :func:`_to_float` the rest."""
    # A copy: pandas 3 may hand back a read-only view, and one odd text must not fail the file.
    numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(
        float, copy=True
    )
    for i in np.flatnonzero(np.isnan(numbers)):
        numbers[i] = _to_float(uniques[i], percent=percent)
    return numbers


def _to_float(text: str, *, percent: bool = False) -> float:
    """``1,000`` and ``500元`` as amounts; ``0.25%`` as the probability 0.0025."""
    cleaned = text.replace(",", "").removesuffix("元").strip()
    scale = 1.0
    if percent and cleaned.endswith("%"):
        cleaned, scale = cleaned.removesuffix("%"), 0.01
    try:
        return float(cleaned) * scale
    except ValueError:
        return np.nan


def _parse_bool(column: Column, uniques: list[str], factor: float, today: dt.date) -> Parsed:
    values: list[object] = []
    errors: list[str | None] = []
    for text in uniques:
        lowered = text.lower()
        value = (
            True
            if lowered in codes.BOOLEAN_TRUE
            else False
            if lowered in codes.BOOLEAN_FALSE
            else None
        )
        values.append(value)
        errors.append("INVALID_BOOL" if text and value is None else None)
    return values, errors


_PARSERS: dict[Kind, Callable[[Column, list[str], float, dt.date], Parsed]] = {
    Kind.USCC: _parse_uscc,
    Kind.USCC_LIST: _parse_uscc_list,
    Kind.RESIDENT_ID: _parse_resident_id,
    Kind.REGION: _parse_pattern(_REGION, "INVALID_REGION"),
    Kind.INDUSTRY: _parse_pattern(_INDUSTRY, "INVALID_INDUSTRY"),
    Kind.CODE: _parse_code,
    Kind.CODE_LIST: _parse_code_list,
    Kind.EVENT_DATE: _parse_date,
    Kind.TERM_DATE: _parse_date,
    Kind.BOOL: _parse_bool,
}


def _arrow_type(kind: Kind) -> pa.DataType:
    return {
        "VARCHAR": pa.string(),
        "VARCHAR[]": pa.list_(pa.string()),
        "DATE": pa.date32(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
    }[kind.sql_type]


# --- Across columns and rows ----------------------------------------------------------------------


def _mark_emptied(
    raw: RawFile, mapping: dict[str, tuple[str, float]], problems: dict[str, np.ndarray]
) -> dict[tuple[int, str], str]:
    """Give an XLSX cell that reads empty because of a formula saved without its value or a
    merge its own reason, which rejects the row whether or not the column is required (the
    value is on the user's screen, not in the row); returns where each cell is, by (row
    position, column)."""
    if not raw.emptied:
        return {}
    columns = {source: name for name, (source, _) in mapping.items()}
    position = {int(number): i for i, number in enumerate(raw.row_numbers)}
    where: dict[tuple[int, str], str] = {}
    for cell in raw.emptied:
        name = columns.get(cell.column)
        if name is None or cell.row not in position:
            continue  # a column the table does not read
        i = position[cell.row]
        problems[name][i] = _CODE_IDS[cell.reason_code]
        where[(i, name)] = cell.where
    return where


def _check_date_order(
    table: Table, typed: dict[str, pa.Array], problems: dict[str, np.ndarray]
) -> None:
    for earlier, later in table.date_order:
        if later not in problems:
            continue
        wrong = pc.fill_null(pc.less(typed[later], typed[earlier]), False)
        mask = wrong.to_numpy(zero_copy_only=False) & (problems[later] == 0)
        problems[later][mask] = _CODE_IDS["DATE_ORDER"]


def _assemble(
    raw: RawFile,
    table: Table,
    mapping: dict[str, tuple[str, float]],
    typed: dict[str, pa.Array],
    problems: dict[str, np.ndarray],
    unknown: list[str],
    strict: bool,
    today: dt.date,
    where: dict[tuple[int, str], str],
) -> CheckedFile:
    n = raw.data.num_rows
    rejected = np.zeros(n, dtype=bool)
    flagged_rows: dict[int, list[str]] = {}
    issues: list[Issue] = []
    for name, errors in problems.items():
        rows = np.flatnonzero(errors)
        if not len(rows):
            continue
        column = table.column(name)
        source = raw.data[mapping[name][0]]
        for i in rows:
            code = str(_CODE_NAMES[errors[i]])
            rejects = strict or code not in FLAG_CODES
            rejected[i] |= rejects
            if not rejects:
                flagged_rows.setdefault(int(i), []).append(code)
            value = str(source[int(i)])
            other = where.get((int(i), name), "")
            issues.append(_issue(raw, int(i), column, value, code, rejects, table, today, other))
    data = pa.table(
        {
            **typed,
            "_row": pa.array(raw.row_numbers, pa.int64()),
            "_flags": _flag_column(n, flagged_rows),
            "_rejected": pa.array(rejected),
        }
    )
    return CheckedFile(data, issues, unknown, n)


def _flag_column(n: int, flagged_rows: dict[int, list[str]]) -> pa.Array:
    """Each row's flags (null for none), built by position: no Python list of a million rows."""
    if not flagged_rows:
        return pa.nulls(n, pa.list_(pa.string()))
    positions = np.zeros(n, dtype=np.int64)  # 0 points at "no flags", k at the k-th flagged row
    positions[list(flagged_rows)] = np.arange(1, len(flagged_rows) + 1)
    lists = pa.array([None, *flagged_rows.values()], pa.list_(pa.string()))
    return lists.take(pa.array(positions))


def _issue(
    raw: RawFile,
    i: int,
    column: Column,
    value: str,
    code: str,
    rejects: bool,
    table: Table,
    today: dt.date,
    other: object = "",
) -> Issue:
    if code == "FUTURE_DATE":
        other = today.isoformat()
    elif code == "DATE_ORDER":
        other = next(e for e, later in table.date_order if later == column.name)
    shown = codes.mask_resident_id(value) if column.kind is Kind.RESIDENT_ID else value
    expected = ", ".join(column.code_list.codes) if column.code_list else ""
    zh, en = describe(code, column.name, shown, other, expected)
    action = "rejected" if rejects else "flagged"
    return Issue(int(raw.row_numbers[i]), column.name, shown or "", code, action, zh, en)
