"""No export carries a formula: a subject's name like ``=HYPERLINK(…)`` reaches every CSV and
XLSX as inert text (OWASP's CSV-injection rule), never as a live formula (issue 19)."""

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd

from credit_scoring.merchants import ListEntry, list_csv_bytes, list_xlsx_bytes
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.supervision import (
    create_plan,
    frequencies_csv_bytes,
    frequencies_xlsx_bytes,
    inspection_frequencies,
    plan_csv_bytes,
    plan_xlsx_bytes,
)

from .conftest import AS_OF

HOSTILE = '=HYPERLINK("http://evil.example","点此")'


def _xlsx_is_inert(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        xml = "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/"))
    assert "<f>" not in xml and "HYPERLINK" in xml  # the name is there, as text
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    assert cell.value == "'" + HOSTILE


def _csv_is_inert(data: bytes) -> None:
    text = data.decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    cells = [v for column in table.columns for v in table[column] if "HYPERLINK" in v]
    assert cells and all(v == "'" + HOSTILE for v in cells)


def test_every_export_writes_a_formula_like_name_as_text(store, city_grades, tmp_path):
    store.con.execute("UPDATE subjects SET name = ?", [HOSTILE])
    plan = create_plan(store, as_of=AS_OF, rate=0.02, seed=3, grades=city_grades)
    _csv_is_inert(plan_csv_bytes(plan))
    _xlsx_is_inert(plan_xlsx_bytes(plan))
    table = inspection_frequencies(store, as_of=AS_OF, grades=city_grades)
    _csv_is_inert(frequencies_csv_bytes(table))
    _xlsx_is_inert(frequencies_xlsx_bytes(table))
    entry = ListEntry(uscc="91350200776049653A", name=HOSTILE, list_type="black",
                      region_code="350200", domains=["catering"], record_id="MD1",
                      reason=HOSTILE, authority="城管局", entered=dt.date(2026, 1, 1))  # fmt: skip
    _csv_is_inert(list_csv_bytes([entry]))
    _xlsx_is_inert(list_xlsx_bytes([entry], "黑名单"))
    # A rejected row's value goes to the rejects CSV as it was read: inert too.
    bad = tmp_path / "subjects.csv"
    bad.write_text(f"uscc,name,subject_type,region_code\n{HOSTILE},x,enterprise,350200\n",
                   encoding="utf-8")  # fmt: skip
    result = ingest_file(store, "subjects", bad)
    assert result.rejected == 1
    rejects = open(result.rejects_file, "rb").read()  # noqa: SIM115
    assert b"'=HYPERLINK" in rejects and b",=HYPERLINK" not in rejects
