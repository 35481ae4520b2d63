"""Read one input file (CSV, XLSX or Parquet) into a table of strings with row numbers.

The format is recognised from the file's first bytes and a CSV's encoding from its content, never
from the extension: government exports named ``.csv`` are often GBK, and concatenated exports can
mix encodings row by row. Everything is read as text; parsing and validation happen later, per
column, in :mod:`credit_scoring.records.validation`.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2, blank
lines are not counted. (Parquet has no header row; its first record is row 1.) A row that cannot
be read at all — too few or too many fields, as in a truncated file, or bytes in another
encoding — is returned in :attr:`RawFile.unreadable` with its number and text, never dropped.
An XLSX cell that reads empty though the sheet shows a value — a formula saved without its
result, a merged cell other than the range's top-left — is listed in :attr:`RawFile.emptied`,
so that validation gives that reason rather than "required field is empty".
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from credit_scoring.errors import FileRejected
from credit_scoring.records._xlsx_cells import FORMULA_WITHOUT_VALUE, SheetCells, scan_sheet

__all__ = [
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_MERGED_RANGES",
    "MAX_ROW_BYTES",
    "MAX_SHEET_ROWS",
    "EmptiedCell",
    "RawFile",
    "UnreadableRow",
    "read_file",
]

# Limits that keep a hostile or broken file from hanging a run (issue 19); each is refused at once
# with its reason. A real export has a few dozen columns and rows of a few hundred bytes.
MAX_FILE_BYTES = 2 * 2**30  # 2 GiB: a province's yearly penalties fit many times over
MAX_COLUMNS = 1_000  # a header wider than this is refused (a million empty columns took 57 s)
MAX_ROW_BYTES = 1 * 2**20  # a CSV line longer than 1 MiB is rejected alone; the others are kept
MAX_SHEET_ROWS = 1_048_576  # an XLSX sheet's rows (Excel's own limit), counted as they are read
MAX_MERGED_RANGES = 1_048_576  # merged ranges over an XLSX sheet's columns read: one per row


@dataclass(frozen=True)
class UnreadableRow:
    row: int
    reason_code: str  # MALFORMED_ROW or ENCODING
    detail: str
    text: str


@dataclass(frozen=True)
class EmptiedCell:
    """An XLSX cell that reads empty though the sheet shows a value."""

    row: int
    column: str  # its header, as in RawFile.data
    reason_code: str  # FORMULA_WITHOUT_VALUE or MERGED_CELL
    where: str  # the formula's cell (C3), or the merged range (B2:B4)


@dataclass
class RawFile:
    """A file's rows as strings, under their original headers."""

    path: Path
    format: str  # csv, xlsx or parquet
    encoding: str | None
    data: pa.Table
    row_numbers: np.ndarray
    sha256: str
    unreadable: list[UnreadableRow] = field(default_factory=list)
    emptied: list[EmptiedCell] = field(default_factory=list)

    def original_rows(self, numbers: set[int]) -> dict[int, dict[str, str]]:
        """The original text of the given rows, by row number, for the rejects file."""
        positions = np.flatnonzero(np.isin(self.row_numbers, sorted(numbers)))
        picked = self.data.take(pa.array(positions, pa.int64())).to_pylist()
        rows = {int(self.row_numbers[p]): row for p, row in zip(positions, picked, strict=True)}
        rows.update({u.row: {"text": u.text} for u in self.unreadable if u.row in numbers})
        return rows


def read_file(path: Path) -> RawFile:
    """Read ``path`` whatever its format; raise :class:`FileRejected` if it is unreadable."""
    path = Path(path)
    if not path.is_file():
        raise FileRejected(path, "file not found", "文件不存在")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRejected(path, f"{size:,} bytes, more than the {MAX_FILE_BYTES:,} allowed",
                           f"文件大小{size:,}字节，超过上限{MAX_FILE_BYTES:,}字节")  # fmt: skip
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PAR1":
        return _read_parquet(path)
    if magic == b"PK\x03\x04":
        return _read_xlsx(path)
    return _read_csv(path)


# --- CSV -----------------------------------------------------------------------------------------

# Python's csv module refuses fields over 128 KiB with an error; a row up to the limit above
# must be split (to report its fields), not end in a traceback.
csv.field_size_limit(max(csv.field_size_limit(), MAX_ROW_BYTES))

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _read_csv(path: Path) -> RawFile:
    content = path.read_bytes()
    if not content or content.isspace():
        raise FileRejected(path, "file is empty", "文件为空")
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashlib releases the GIL: hash meanwhile
        digest = pool.submit(lambda: hashlib.sha256(content).hexdigest())
        raw = _parse_content(path, content)
    raw.sha256 = digest.result()
    return raw


def _parse_content(path: Path, content: bytes) -> RawFile:
    _check_header(path, content)
    content, oversized_map, oversized = _without_oversized_rows(content)
    row_map = oversized_map
    parsed = _parse_utf8(content)  # the common case, checked by the parser itself
    if parsed is None:
        encoding, content, decoded_map, unreadable = _decode(path, content)
        if oversized_map is not None:  # rows of the decoded text, numbered as in the file
            unreadable = [replace(u, row=int(oversized_map[u.row])) for u in unreadable]
        if decoded_map is not None:
            row_map = decoded_map if oversized_map is None else oversized_map[decoded_map]
        parsed = _parse_utf8(content)
        if parsed is None:
            raise FileRejected(path, "not valid UTF-8 after decoding", "解码后仍不是有效的UTF-8")
    else:
        encoding = "utf-8-sig" if content.startswith(_BOMS[0][0]) else "utf-8"
        unreadable = []
    unreadable += oversized
    columns, data, malformed = parsed
    numbers = np.arange(2, data.num_rows + len(malformed) + 2)
    if malformed:
        numbers = np.setdiff1d(numbers, [row for row, _ in malformed])
    if row_map is not None:  # rows were taken out: renumber as in the file
        numbers = row_map[numbers]
        malformed = [(int(row_map[row]), text) for row, text in malformed]
    unreadable += [
        UnreadableRow(
            row,
            "MALFORMED_ROW",
            f"{len(_split_row(text))} fields where the header has {len(columns)}",
            text,
        )
        for row, text in malformed
    ]
    rows = sorted(unreadable, key=_by_row)
    return RawFile(path, "csv", encoding, data, numbers, "", rows)


def _check_header(path: Path, content: bytes) -> None:
    """Refuse at once a file whose first line is too long or too wide to be a header."""
    end = content.find(b"\n")
    line = content[: end if end >= 0 else len(content)]
    if len(line) > MAX_ROW_BYTES:
        raise FileRejected(path, f"the header line has {len(line):,} bytes, more than "
                           f"{MAX_ROW_BYTES:,}", f"表头行{len(line):,}字节，超过上限")  # fmt: skip
    if b"\r" in line.rstrip(b"\r"):  # a parser would end the header there, mid-row
        raise FileRejected(path, "the header row holds a carriage return inside a field",
                           "表头行的字段中含有回车符")  # fmt: skip
    columns = line.count(b",") + 1
    if columns > MAX_COLUMNS:
        raise FileRejected(path, f"{columns:,} columns, more than the {MAX_COLUMNS:,} allowed",
                           f"共{columns:,}列，超过上限{MAX_COLUMNS:,}列")  # fmt: skip


def _without_oversized_rows(
    content: bytes,
) -> tuple[bytes, np.ndarray | None, list[UnreadableRow]]:
    """Take out the lines longer than :data:`MAX_ROW_BYTES` (one 50 MB field must not cost the
    file its good rows): the rest, the map from their row numbers to the file's, and the rows
    taken out as unreadable. A file without such lines comes back as it is, unmapped."""
    if len(content) <= MAX_ROW_BYTES or not _has_long_line(content):
        return content, None, []
    lines = [line for line in content.split(b"\n") if line.strip()]
    kept = [i for i, line in enumerate(lines) if len(line) <= MAX_ROW_BYTES or i == 0]
    taken = [
        UnreadableRow(i + 1, "MALFORMED_ROW", f"a line of {len(lines[i]):,} bytes, more than "
                      f"{MAX_ROW_BYTES:,}", lines[i][:200].decode("utf-8", "replace") + " …")
        for i in range(len(lines)) if i not in set(kept)
    ]  # fmt: skip
    row_map = np.concatenate([[0], np.asarray(kept) + 1])
    return b"\n".join(lines[i] for i in kept) + b"\n", row_map, taken


def _has_long_line(content: bytes) -> bool:
    start = 0
    while start < len(content):
        end = content.find(b"\n", start)
        end = len(content) if end < 0 else end
        if end - start > MAX_ROW_BYTES:
            return True
        start = end + 1
    return False


def _parse_utf8(content: bytes) -> tuple[list[str], pa.Table, list[tuple[int, str]]] | None:
    """Columns, rows and malformed rows of UTF-8 ``content``; None if it is not UTF-8."""
    try:
        columns = _unique_headers(_header(content))
        return (columns, *_parse_csv(content, columns))
    except (UnicodeDecodeError, pa.ArrowInvalid):
        return None


def _by_row(row: UnreadableRow) -> int:
    return row.row


def _decode(
    path: Path, content: bytes
) -> tuple[str, bytes, np.ndarray | None, list[UnreadableRow]]:
    """The file's encoding and its content as UTF-8, with rows in another encoding taken out.

    Returns the encoding, the UTF-8 bytes, a map from row numbers of those bytes to row numbers
    of the file (None when no row was taken out) and the rows taken out.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            text = _decode_whole(path, content[len(bom) :], encoding)
            return encoding + ("-sig" if encoding == "utf-8" else ""), text, None, []
    lines = [line for line in content.split(b"\n") if line.strip()]
    utf8_lines = [_is_utf8(line) for line in lines]
    if not any(ok and not line.isascii() for ok, line in zip(utf8_lines, lines, strict=True)):
        text = _decode_whole(path, content, "gb18030")
        return "gb18030", text, None, []
    # Mostly UTF-8 with some rows in another encoding (concatenated exports): keep the UTF-8 rows.
    if not utf8_lines[0]:
        raise FileRejected(path, "the header row is not valid UTF-8", "表头不是有效的UTF-8编码")
    kept = [i for i, ok in enumerate(utf8_lines) if ok]
    unreadable = [
        UnreadableRow(
            i + 1,
            "ENCODING",
            "row is not UTF-8 like the rest of the file",
            lines[i].decode("gb18030", errors="replace"),
        )
        for i, ok in enumerate(utf8_lines)
        if not ok
    ]
    row_map = np.concatenate([[0], np.asarray(kept) + 1])  # row k of the kept bytes -> file row
    return "utf-8", b"\n".join(lines[i] for i in kept) + b"\n", row_map, unreadable


def _decode_whole(path: Path, content: bytes, encoding: str) -> bytes:
    try:
        return content.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRejected(
            path,
            f"not readable as UTF-8 or GB18030 (byte {error.start})",
            f"无法按UTF-8或GB18030编码读取（第{error.start}字节）",
        ) from None


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(content: bytes) -> list[str]:
    end = content.find(b"\n")
    line = content[: end if end >= 0 else len(content)]  # no split: it would copy the file
    first = line.decode("utf-8").lstrip("\ufeff").rstrip("\r")
    return _split_row(first)


def _split_row(line: str) -> list[str]:
    """The fields of one CSV line, quoting rules included (a stray carriage return inside an
    unquoted field, which the csv module refuses, counts as a space)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return next(csv.reader([line.replace("\r", " ")]), [])


def _unique_headers(header: list[str]) -> list[str]:
    """Blank or repeated headers get a suffix so every column can be read and reported."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        name = (name or "").strip() or "(blank)"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def _parse_csv(content: bytes, columns: list[str]) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Parse with threads; if any row is malformed, parse again in order to learn its number.

    Raises ``pa.ArrowInvalid`` if a field is not valid UTF-8.
    """
    malformed: list[tuple[int | None, str]] = []

    def keep_malformed(row: pacsv.InvalidRow) -> str:
        malformed.append((row.number, row.text))
        return "skip"

    def parse(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(content),
            read_options=pacsv.ReadOptions(column_names=columns, skip_rows=1, use_threads=threads),
            parse_options=pacsv.ParseOptions(invalid_row_handler=keep_malformed),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False
            ),
        )

    data = parse(threads=True)
    if not malformed:
        return data, []
    malformed.clear()
    data = parse(threads=False)
    # pyarrow counts the skipped header as row 1 and skips blank lines, as our numbering does.
    return data, [(int(number or 0), text) for number, text in malformed]


# --- XLSX and Parquet ----------------------------------------------------------------------------


def _read_xlsx(path: Path) -> RawFile:
    import openpyxl  # imported here: only XLSX input needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged zip
        raise FileRejected(
            path, f"not a readable XLSX file ({error})", "无法读取XLSX文件"
        ) from None
    sheet = book.worksheets[0]
    # The sheet's stated size is not trusted: one far cell (XFD1048576) would have every row
    # read 16,384 cells wide. Columns stop at the header's last title, rows at the last read.
    sheet.reset_dimensions()
    titles = [_cell_text(v) for v in next(sheet.iter_rows(max_row=1, values_only=True), ())]
    while titles and not titles[-1]:
        titles.pop()
    if len(titles) > MAX_COLUMNS:
        book.close()
        n = len(titles)
        raise FileRejected(path, f"{n:,} columns, more than the {MAX_COLUMNS:,} allowed",
                           f"共{n:,}列，超过上限{MAX_COLUMNS:,}列")  # fmt: skip
    header = _unique_headers(titles)
    hidden = _hidden_values(path, book, sheet, len(header))
    rows = sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
    values: list[list[str]] = [[] for _ in header]
    numbers = []
    emptied: list[EmptiedCell] = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_SHEET_ROWS:
            book.close()
            raise FileRejected(path, f"more than {MAX_SHEET_ROWS:,} rows in the sheet",
                               f"工作表超过{MAX_SHEET_ROWS:,}行")  # fmt: skip
        cells = [_cell_text(v) for v in row]
        cells += [""] * (len(header) - len(cells))
        found = _emptied(hidden, number, header, cells) if hidden is not None else []
        # A row of nothing but merged cells is one record shown over two rows, so blank; a
        # formula without its value is a value unknown, so the row is read.
        if not any(cells) and not any(e.reason_code == FORMULA_WITHOUT_VALUE for e in found):
            continue
        numbers.append(number)
        emptied += found
        for i in range(len(header)):
            values[i].append(cells[i])
    book.close()
    data = pa.table(
        {name: pa.array(col, pa.string()) for name, col in zip(header, values, strict=True)}
    )
    numbers_array = np.asarray(numbers, dtype=np.int64)
    return RawFile(path, "xlsx", None, data, numbers_array, _sha256(path), emptied=emptied)


def _hidden_values(path: Path, book: Any, sheet: Any, columns: int) -> SheetCells | None:
    """Formulas without values and merged ranges of ``sheet`` (see :mod:`._xlsx_cells`)."""
    # The sheet's own member in the archive, as openpyxl found it (not always sheet1.xml);
    # without it (another openpyxl) the values are read as before, only the reasons are poorer.
    member = getattr(sheet, "_worksheet_path", None)
    if member is None:
        return None
    try:
        return scan_sheet(path, member, columns=columns, max_rows=MAX_SHEET_ROWS,
                          max_ranges=MAX_MERGED_RANGES)  # fmt: skip
    except FileRejected:
        book.close()
        raise


def _emptied(
    hidden: SheetCells, row: int, header: list[str], cells: list[str]
) -> list[EmptiedCell]:
    """The cells of sheet row ``row`` that read empty though the sheet shows a value."""
    return [
        EmptiedCell(row, header[h.column], h.reason_code, h.where)
        for h in hidden.in_row(row)
        if h.column < len(header) and not cells[h.column]
    ]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_parquet(path: Path) -> RawFile:
    try:
        data = pq.read_table(path)
    except pa.ArrowException as error:
        raise FileRejected(
            path, f"not a readable Parquet file ({error})", "无法读取Parquet文件"
        ) from None
    columns = {}
    for name, column in zip(data.column_names, data.columns, strict=True):
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.date32())
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            column = pa.array([";".join(v) if v else "" for v in column.to_pylist()], pa.string())
        columns[name] = column.cast(pa.string()).fill_null("")
    table = pa.table(columns)
    numbers = np.arange(1, table.num_rows + 1)
    return RawFile(path, "parquet", None, table, numbers, _sha256(path))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
