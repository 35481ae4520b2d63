"""XLSX cells that read empty though the sheet shows a value (issue 19): a formula saved without
its value and the cells of a merged range are rejected with a reason that says so, naming the
cell or the range — never "required field is empty"."""

import re
import struct
import time
import zipfile

import openpyxl
import pytest

from credit_scoring.errors import FileRejected
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.reading import read_file

HEADER = ["uscc", "name", "subject_type", "region_code", "address"]
SHOP = ["91350200776049653A", "甲便利店", "enterprise", "350200", "中山路1号"]
RESTAURANT = ["91440101MA5CJQ4N59", "乙餐馆", "individual_business", "440101", "北京路2号"]
SHEET = "xl/worksheets/sheet1.xml"


def _book(tmp_path, *rows, merge=(), name="subjects.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (HEADER, *rows):
        sheet.append(row)
    for cells in [merge] if isinstance(merge, str) else merge:
        sheet.merge_cells(cells)
    path = tmp_path / name
    book.save(path)
    return path


def _edit_sheet(path, edit):
    """Rewrite the first sheet's XML of ``path`` with ``edit`` (text → text)."""
    with zipfile.ZipFile(path) as source:
        members = {info: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members.items():
            if info.filename == SHEET:
                content = edit(content.decode()).encode()
            target.writestr(info, content)
    return path


def _issues(store):
    return store.con.execute(
        "SELECT row_number, column_name, reason_code, reason_zh, reason_en FROM ingest_issues "
        "ORDER BY row_number, column_name"
    ).fetchall()


def test_a_formula_saved_without_its_value_names_its_cell(store, tmp_path):
    # Given a workbook written by a program: the formula in D3 has no saved value
    path = _book(tmp_path, SHOP, [*RESTAURANT[:3], "=D2+1", RESTAURANT[4]])
    # When it is ingested
    result = ingest_file(store, "subjects", path)
    # Then its row is rejected, saying why and where, and the other row is kept
    assert (result.accepted, result.rejected) == (1, 1)
    [(row, column, code, zh, en)] = _issues(store)
    assert (row, column, code) == (3, "region_code", "FORMULA_WITHOUT_VALUE")
    assert zh == "“region_code”的公式单元格D3没有保存计算结果：请在 Excel 中打开并保存后再导入"
    assert "cell D3" in en and "empty" not in en


def test_a_formula_in_a_column_not_required_rejects_its_row_all_the_same(store, tmp_path):
    path = _book(tmp_path, SHOP, [*RESTAURANT[:4], '=CONCAT("北京路", 2)'])
    result = ingest_file(store, "subjects", path)
    assert (result.accepted, result.rejected) == (1, 1)
    assert [issue[:3] for issue in _issues(store)] == [(3, "address", "FORMULA_WITHOUT_VALUE")]


def test_a_row_of_formulas_without_values_is_rejected_not_skipped_as_blank(store, tmp_path):
    path = _book(tmp_path, SHOP, ["=A2", "=B2", "=C2", "=D2", "=E2"])
    result = ingest_file(store, "subjects", path)
    assert (result.accepted, result.rejected) == (1, 1)
    assert {issue[2] for issue in _issues(store)} == {"FORMULA_WITHOUT_VALUE"}


def test_a_formula_with_its_saved_value_is_read_as_that_value(store, tmp_path):
    path = _book(tmp_path, SHOP, [*RESTAURANT[:3], "=D2+1", RESTAURANT[4]])
    # As Excel saves it: the formula and the value it last calculated
    _edit_sheet(path, lambda xml: xml.replace("<f>D2+1</f><v />", "<f>D2+1</f><v>350201</v>"))
    result = ingest_file(store, "subjects", path)
    assert (result.accepted, result.rejected) == (2, 0)
    region = store.con.execute(
        f"SELECT region_code FROM subjects WHERE uscc = '{RESTAURANT[0]}'"
    ).fetchone()
    assert region == ("350201",)


def test_a_formula_whose_value_is_an_empty_text_is_an_empty_field(store, tmp_path):
    path = _book(tmp_path, SHOP, [RESTAURANT[0], '=IF(1,"","x")', *RESTAURANT[2:]])
    # Excel saves an empty text result as t="str" with an empty value: the field is empty.
    _edit_sheet(path, lambda xml: xml.replace('<c r="B3">', '<c r="B3" t="str">'))
    ingest_file(store, "subjects", path)
    assert [issue[:3] for issue in _issues(store)] == [(3, "name", "MISSING_REQUIRED")]


def test_a_formula_cell_is_named_when_the_file_omits_cell_references(tmp_path):
    path = _book(tmp_path, SHOP, [*RESTAURANT[:3], "=D2+1", RESTAURANT[4]])
    # Some writers leave out r="…" on cells: each is then the next column of its row.
    _edit_sheet(path, lambda xml: re.sub(r'(<c) r="[A-Z]+\d+"', r"\1", xml))
    raw = read_file(path)
    assert [(e.row, e.column, e.where) for e in raw.emptied] == [(3, "region_code", "D3")]


def test_a_sheet_whose_tags_carry_a_namespace_prefix_is_read_alike(tmp_path):
    path = _book(tmp_path, SHOP, [RESTAURANT[0], None, "=C2", *RESTAURANT[3:]], merge="B2:B3")

    def prefixed(xml):  # <x:worksheet xmlns:x="…"><x:sheetData><x:row>…, as some writers do
        return re.sub(r"<(/?)(?=[a-zA-Z])", r"<\1x:", xml).replace("xmlns=", "xmlns:x=", 1)

    _edit_sheet(path, prefixed)
    raw = read_file(path)
    assert [(e.row, e.column, e.reason_code) for e in raw.emptied] == [
        (3, "subject_type", "FORMULA_WITHOUT_VALUE"),
        (3, "name", "MERGED_CELL"),
    ]


def test_cells_of_a_merged_range_name_the_range(store, tmp_path):
    # Given the name written once over two rows (B2:B3); only B2 holds it
    path = _book(tmp_path, SHOP, [RESTAURANT[0], None, *RESTAURANT[2:]], merge="B2:B3")
    result = ingest_file(store, "subjects", path)
    assert (result.accepted, result.rejected) == (1, 1)
    [(row, column, code, zh, en)] = _issues(store)
    assert (row, column, code) == (3, "name", "MERGED_CELL")
    assert "合并单元格B2:B3" in zh and "merged cells B2:B3" in en


def test_a_merge_across_columns_names_the_range_in_each_column_read(store, tmp_path):
    path = _book(tmp_path, SHOP, [*RESTAURANT[:3], "440101", None], merge="D3:E3")
    result = ingest_file(store, "subjects", path)
    assert result.rejected == 1
    assert [issue[:3] for issue in _issues(store)] == [(3, "address", "MERGED_CELL")]


def test_a_row_of_nothing_but_merged_cells_is_one_record_shown_over_two_rows(store, tmp_path):
    # Given each column of the first record merged over rows 2 and 3
    merges = [f"{column}2:{column}3" for column in "ABCDE"]
    path = _book(tmp_path, SHOP, [None] * 5, RESTAURANT, merge=merges)
    result = ingest_file(store, "subjects", path)
    assert (result.rows_read, result.accepted, result.rejected) == (2, 2, 0)


@pytest.mark.parametrize(
    "merge", ["F2:G3", "A1:B1"], ids=["beyond-the-header", "inside-the-header"]
)
def test_merges_outside_the_rows_and_columns_read_change_nothing(tmp_path, merge):
    path = _book(tmp_path, SHOP, RESTAURANT, merge=merge)
    assert read_file(path).emptied == []


def test_a_merge_claiming_the_whole_sheet_reads_in_a_moment(store, tmp_path):
    path = _book(tmp_path, SHOP, RESTAURANT, [RESTAURANT[0]])
    # Written into the XML: openpyxl would make a cell object for each of its 17 billion cells.
    whole = '<mergeCells count="1"><mergeCell ref="B4:XFD1048576"/></mergeCells>'
    _edit_sheet(path, lambda xml: xml.replace("</sheetData>", "</sheetData>" + whole))
    started = time.perf_counter()
    result = ingest_file(store, "subjects", path)
    assert time.perf_counter() - started < 10
    assert (result.accepted, result.rejected) == (2, 1)


def test_a_sheet_declaring_a_dtd_is_refused_whole(store, tmp_path):
    # The second reading of the sheet refuses a DTD too (an entity could expand without end).
    path = _book(tmp_path, SHOP, [*RESTAURANT[:3], "=D2+1", RESTAURANT[4]])
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "ha">]>'
    _edit_sheet(path, lambda xml: xml.replace("<worksheet", laughs + "<worksheet", 1))
    with pytest.raises(FileRejected):
        ingest_file(store, "subjects", path)
    assert store.count("subjects") == 0


def test_a_sheet_damaged_past_its_header_is_refused_with_a_reason(store, tmp_path):
    # Given a sheet whose checksum fails: openpyxl opens the book and reads the header, and
    # the damage shows only once the whole sheet is read (it was a BadZipFile traceback)
    path = _book(tmp_path, SHOP, *[RESTAURANT] * 2000)
    content = bytearray(path.read_bytes())
    entry = content.find(b"PK\x01\x02")  # the central directory's entries
    while entry >= 0:
        length = struct.unpack("<H", content[entry + 28 : entry + 30])[0]
        if content[entry + 46 : entry + 46 + length] == SHEET.encode():
            content[entry + 16] ^= 0xFF  # its CRC-32
        entry = content.find(b"PK\x01\x02", entry + 4)
    path.write_bytes(bytes(content))
    with pytest.raises(FileRejected, match="not a readable XLSX file"):
        ingest_file(store, "subjects", path)
