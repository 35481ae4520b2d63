"""What a clerk opens in Excel: CSV (UTF-8 with a BOM) and XLSX, safe against formula injection.

A subject's name, a violation type or a reviewer's note comes from outside. A text starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what a spreadsheet runs as a formula
(``=HYPERLINK(…)``), so every text cell of every export is neutralised by a leading apostrophe
(OWASP's rule for CSV injection) and XLSX cells are written as strings.

Examples
--------
>>> neutralised("=1+1")
"'=1+1"
>>> neutralised("甲便利店")
'甲便利店'
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

__all__ = ["csv_bytes", "neutralised", "safe", "xlsx_bytes"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is a text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell neutralised (numbers and dates as they are)."""
    texts = [
        c
        for c in frame.columns
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])
    ]
    if not texts:
        return frame
    return frame.assign(**{str(c): frame[c].map(neutralised) for c in texts})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV in UTF-8 with a BOM (Excel reads the Chinese as it is), texts safe."""
    return safe(frame).to_csv(index=False).encode("utf-8-sig")


def _sheet_name(name: str, taken: set[str]) -> str:
    """Excel allows 31 characters and none of ``[]:*?/\\`` in a sheet name, each name once."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, k = base, 2
    while candidate in taken:
        suffix = f"~{k}"
        candidate, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(candidate)
    return candidate


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per entry (names made valid), header row frozen, every
    text a string cell: a value that looks like a formula is neutralised, never evaluated."""
    buffer = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            sheet = _sheet_name(name, taken)
            safe(frame).to_excel(writer, sheet_name=sheet, index=False)
            writer.sheets[sheet].freeze_panes = "A2"
    return buffer.getvalue()
