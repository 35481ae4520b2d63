"""The cells of an XLSX sheet that read empty though the sheet shows a value (issue 19).

openpyxl's read-only mode, which keeps a large sheet in bounded memory, reads a formula cell as
the value its file saved with it, and a workbook written by a program (openpyxl among them)
saves formulas without one: such a cell reads empty. Nor does that mode know merged ranges, of
which only the top-left cell holds the value. Reported as "required field is empty", either
would send a user looking for a value that is on the screen.

So the sheet's XML is read once more, streaming. A scan of its bytes for a formula or a merge
tag comes first: most exports have neither, and the scan costs a few percent of openpyxl's read.
Only if one is there does an expat pass read the sheet's structure, recording the formula cells
without a value and the merged ranges, within the header's columns and the row limit, so that it
holds no more than the rows themselves would. Merged ranges stay rectangles, never expanded: one
range may claim a million cells. A sheet declaring a DTD is refused (an XLSX never has one).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from credit_scoring.errors import FileRejected

__all__ = ["FORMULA_WITHOUT_VALUE", "MERGED_CELL", "HiddenValue", "SheetCells", "scan_sheet"]

FORMULA_WITHOUT_VALUE = "FORMULA_WITHOUT_VALUE"
MERGED_CELL = "MERGED_CELL"

# A start tag of <f> (a formula) or <mergeCell>, with or without a namespace prefix, or a DTD.
_TAGS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:f|mergeCell)[\s/>]|<!DOCTYPE")
_CHUNK = 1 << 20
_OVERLAP = 256  # a tag cut by a chunk's end is found in the next one
_REF = re.compile(r"^([A-Za-z]{1,3})(\d{1,7})$")


@dataclass(frozen=True)
class HiddenValue:
    """A cell of one row that reads empty because its value is elsewhere or was never saved."""

    column: int  # 0-based, as in the row openpyxl reads
    reason_code: str  # FORMULA_WITHOUT_VALUE or MERGED_CELL
    where: str  # the formula's cell (C3), or the merged range (B2:B4)


@dataclass(frozen=True)
class _Range:
    first_row: int
    first_column: int  # 0-based
    last_row: int
    last_column: int
    ref: str


class SheetCells:
    """The hidden values of a sheet, handed out row by row as the rows are read in order."""

    def __init__(self, formulas: dict[int, list[tuple[int, str]]], ranges: list[_Range]) -> None:
        self._formulas = formulas
        self._pending = sorted(ranges, key=lambda r: r.first_row, reverse=True)
        self._open: list[_Range] = []

    def in_row(self, row: int) -> list[HiddenValue]:
        """The hidden values of sheet row ``row``; rows must be asked for in increasing order."""
        while self._pending and self._pending[-1].first_row <= row:
            self._open.append(self._pending.pop())
        self._open = [r for r in self._open if r.last_row >= row]
        found = [
            HiddenValue(c, FORMULA_WITHOUT_VALUE, ref) for c, ref in self._formulas.get(row, ())
        ]
        for merged in self._open:
            found += [
                HiddenValue(column, MERGED_CELL, merged.ref)
                for column in range(merged.first_column, merged.last_column + 1)
                if (row, column) != (merged.first_row, merged.first_column)
            ]
        return found


def scan_sheet(
    path: Path, member: str, *, columns: int, max_rows: int, max_ranges: int
) -> SheetCells | None:
    """The hidden values of sheet ``member`` of the XLSX at ``path`` in its first ``columns``
    columns and rows 2 to ``max_rows``; None when the sheet has neither formulas nor merges.

    Raises :class:`FileRejected` for a sheet that is damaged or malformed, declares a DTD, or
    has more than ``max_ranges`` merged ranges within those columns.
    """
    reader = _Reader(path, columns, max_rows, max_ranges)
    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open(member.lstrip("/")) as stream:
                if not _has_tags(stream):
                    return None
            with archive.open(member.lstrip("/")) as stream:
                reader.read(stream)
    except (zipfile.BadZipFile, zlib.error, KeyError, EOFError) as error:
        # Damage past what openpyxl read to open the book (a bad checksum, a cut member).
        raise FileRejected(path, f"not a readable XLSX file ({error})",
                           "无法读取XLSX文件") from None  # fmt: skip
    return SheetCells(reader.formulas, reader.ranges)


def _has_tags(stream: IO[bytes]) -> bool:
    tail = b""
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        if _TAGS.search(tail + chunk):
            return True
        tail = chunk[-_OVERLAP:]
    return False


class _Stop(Exception):
    """The rows past the limit: openpyxl's read refuses the sheet with the limit's reason."""


class _Reader:
    """One expat pass over a sheet: formula cells without a value, and merged ranges."""

    def __init__(self, path: Path, columns: int, max_rows: int, max_ranges: int) -> None:
        self.path = path
        self.columns = columns  # the header's: a cell right of them is not read
        self.max_rows = max_rows
        self.max_ranges = max_ranges
        self.formulas: dict[int, list[tuple[int, str]]] = {}
        self.ranges: list[_Range] = []
        self._row = 0
        self._last_ref: str | None = None  # the row's last cell with an r attribute
        self._since_ref = 0  # cells after it without one (each the next column)
        self._type: str | None = None
        self._formula = self._value = self._in_value = False

    def read(self, stream: IO[bytes]) -> None:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._refuse_dtd
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        try:
            parser.ParseFile(stream)
        except _Stop:
            return
        except expat.ExpatError as error:
            raise FileRejected(self.path, f"not a readable XLSX sheet ({error})",
                               "无法读取XLSX工作表") from None  # fmt: skip

    def _refuse_dtd(self, *args: Any) -> None:
        raise FileRejected(self.path, "the sheet declares a DTD, which an XLSX never has",
                           "工作表含有DTD声明，不是正常的XLSX文件")  # fmt: skip

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if ":" in tag:  # a namespace prefix (x:c); most sheets have none
            tag = tag.rpartition(":")[2]
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                self._last_ref, self._since_ref = ref, 0
            else:
                self._since_ref += 1
            self._type = attrs.get("t")
            self._formula = self._value = False
        elif tag == "f":
            self._formula = True
        elif tag == "v":
            self._in_value = True
        elif tag == "row":
            number = attrs.get("r")
            self._row = int(number) if number and number.isdigit() else self._row + 1
            self._last_ref, self._since_ref = None, 0
            if self._row > self.max_rows:
                raise _Stop
        elif tag == "mergeCell":
            self._merge(attrs.get("ref", ""))

    def _text(self, data: str) -> None:
        if self._in_value and data:
            self._value = True

    def _end(self, tag: str) -> None:
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "v":
            self._in_value = False
        # A formula whose result is an empty text is saved as t="str" with an empty <v>: it has
        # its value, and reads empty rightly.
        elif tag == "c" and self._formula and not self._value and self._type != "str":
            self._formula_without_value()

    def _formula_without_value(self) -> None:
        if self._row < 2:
            return  # the header's
        start = _cell(self._last_ref) if self._last_ref else None
        column = (start[1] if start else -1) + self._since_ref
        if 0 <= column < self.columns:
            ref = self._last_ref if self._since_ref == 0 else f"{_letters(column)}{self._row}"
            self.formulas.setdefault(self._row, []).append((column, str(ref)))

    def _merge(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        one, other = _cell(first), _cell(last or first)
        if one is None or other is None:
            return  # not a range: nothing is hidden by it
        row0, row1 = sorted((one[0], other[0]))
        col0, col1 = sorted((one[1], other[1]))
        if row1 < 2 or col0 >= self.columns or row0 > self.max_rows:
            return  # inside the header, or outside the columns and rows read
        self.ranges.append(_Range(row0, col0, row1, min(col1, self.columns - 1), ref.upper()))
        if len(self.ranges) > self.max_ranges:
            n = self.max_ranges
            raise FileRejected(self.path, f"more than {n:,} merged ranges in the sheet",
                               f"工作表中的合并单元格超过{n:,}处")  # fmt: skip


def _cell(ref: str) -> tuple[int, int] | None:
    """(row, 0-based column) of an A1 reference such as ``C3``; None if it is not one."""
    match = _REF.match(ref)
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), column - 1


def _letters(column: int) -> str:
    """The letters of a 0-based column: 0 → A, 27 → AB."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
