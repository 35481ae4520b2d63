"""How each table is written: encoding, header style, date style, labels; and the CSV writer.

The formats vary on purpose, because the files test ingestion the way real exports would:
GB18030 with Chinese headers and labels (government systems export GBK), the national 双公示
field codes (``CF_*``, ``XK_*``, with ``CF_NR_FK`` in 10,000 yuan), UTF-8 with a BOM (Excel),
and three date spellings. Rendering turns every column into text first, so planted defects
(an impossible date, an unknown label) are plain string edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from credit_scoring.records.codes import CodeList
from credit_scoring.records.contract import TABLES, Column, Kind

_CHUNK_ROWS = 200_000
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileFormat:
    """Encoding, header style, date style and which code columns carry Chinese labels."""

    encoding: Literal["utf-8", "utf-8-sig", "gb18030"] = "utf-8"
    headers: Literal["en", "zh", "national"] = "en"
    dates: Literal["iso", "slash", "zh"] = "iso"
    labelled: frozenset[str] = field(default_factory=frozenset)
    # Headers used where the national standard has no field code.
    fallback: dict[str, str] = field(default_factory=dict)

    def manifest(self) -> dict[str, object]:
        date_spelling = {"iso": "YYYY-MM-DD", "slash": "YYYY/MM/DD", "zh": "YYYY年MM月DD日"}
        return {
            "encoding": self.encoding,
            "header_style": self.headers,
            "date_format": date_spelling[self.dates],
            "labelled_columns": sorted(self.labelled),
        }


FORMATS: dict[str, FileFormat] = {
    "subjects": FileFormat(
        "gb18030", "zh", labelled=frozenset({"subject_type", "status", "domains"})
    ),
    "licences": FileFormat("utf-8-sig", "national"),
    "penalties": FileFormat(
        "utf-8",
        "national",
        labelled=frozenset({"penalty_types"}),
        fallback={"severity": "失信程度"},
    ),
    "commitments": FileFormat(dates="slash"),
    "complaints": FileFormat("gb18030", "zh", "zh", frozenset({"outcome", "channel"})),
    "inspections": FileFormat(),
    "list_entries": FileFormat(),
    "inspectors": FileFormat(),
    "record_events": FileFormat(),
}


def header(column: Column, fmt: FileFormat) -> tuple[str, float]:
    """The header a column is written under, and the factor its values are divided by."""
    if fmt.headers == "zh":
        return column.zh, 1.0
    if fmt.headers == "national":
        for alias, factor in column.aliases.items():
            if alias.startswith(("cf_", "xk_")):
                return alias.upper(), factor
        return fmt.fallback.get(column.name, column.name), 1.0
    return column.name, 1.0


def format_date(iso: str, style: str) -> str:
    """One ``YYYY-MM-DD`` text in the file's spelling (for planted dates, valid or not)."""
    if style == "slash":
        return iso.replace("-", "/")
    if style == "zh":
        year, month, day = iso.split("-")
        return f"{year}年{month}月{day}日"
    return iso


def render(name: str, table: pa.Table, fmt: FileFormat) -> pa.Table:
    """Every contract column as text in the file's conventions; keeps the ``subject`` helper."""
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for column in TABLES[name].columns:
        values = table[column.name]
        if pa.types.is_date32(values.type):
            values = _dates(pc.cast(values, pa.string()), fmt.dates)
        elif pa.types.is_floating(values.type):
            _, factor = header(column, fmt)
            values = pc.round(pc.divide(values, factor), 6) if factor != 1.0 else values
        if column.name in fmt.labelled and column.code_list is not None:
            values = _labels(values, column.code_list, multi=column.kind is Kind.CODE_LIST)
        columns[column.name] = pc.cast(values, pa.string())
    if "subject" in table.column_names:
        columns["subject"] = table["subject"]
    return pa.table(columns)


def _dates(iso: pa.ChunkedArray, style: str) -> pa.ChunkedArray:
    if style == "slash":
        return pc.replace_substring(iso, "-", "/")
    if style == "zh":
        return pc.replace_substring_regex(iso, r"^(\d{4})-(\d{2})-(\d{2})$", r"\1年\2月\3日")
    return iso


def _labels(values: pa.ChunkedArray, code_list: CodeList, *, multi: bool) -> pa.Array:
    """English codes to Chinese labels; ``;``-separated lists are mapped item by item."""
    codes = pa.array(code_list.codes)
    labels = pa.array([code_list.label(code) for code in code_list.codes])
    values = values.combine_chunks()
    if not multi:
        return labels.take(pc.index_in(values, value_set=codes))
    parts = pc.split_pattern(values, ";")
    items = labels.take(pc.index_in(pc.list_flatten(parts), value_set=codes))
    lists = pa.ListArray.from_arrays(parts.offsets, items, mask=parts.is_null())
    return pc.binary_join(lists, ";")


def write_csv(name: str, table: pa.Table, fmt: FileFormat, path: Path) -> int:
    """Write the rendered table in chunks (bounded memory), transcoding as the format says.

    Returns the number of bytes written.
    """
    names = [header(column, fmt)[0] for column in TABLES[name].columns]
    table = table.select(list(TABLES[name].column_names)).rename_columns(names)
    options = pacsv.WriteOptions(include_header=True)
    with path.open("wb") as out:
        if fmt.encoding == "utf-8-sig":
            out.write(_BOM)
        for start in range(0, max(table.num_rows, 1), _CHUNK_ROWS):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table.slice(start, _CHUNK_ROWS), sink, options)
            data = sink.getvalue()
            if fmt.encoding == "gb18030":
                out.write(data.to_pybytes().decode("utf-8").encode("gb18030"))
            else:
                out.write(data)
            options = pacsv.WriteOptions(include_header=False)
        return out.tell()


def helper_subjects(table: pa.Table) -> np.ndarray:
    """The ``subject`` helper column as numpy (-1 for planted rows of nobody)."""
    return table["subject"].to_numpy()
