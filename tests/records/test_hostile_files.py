"""Hostile file shapes are refused at once with a reason, or lose only their bad rows (issue 19):
a line without end, one huge field, a million empty columns, an XLSX whose one far cell claims
the whole sheet."""

import time

import openpyxl
import pytest

from credit_scoring.errors import FileRejected
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.reading import MAX_COLUMNS, MAX_ROW_BYTES

HEADER = "uscc,name,subject_type,region_code\n"
GOOD = ("91350200776049653A,甲便利店,enterprise,350200\n"
        "91440101MA5CJQ4N59,乙餐馆,individual_business,440101\n")  # fmt: skip


def test_a_million_empty_columns_are_refused_at_once(store, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(HEADER.rstrip("\n") + "," * 1_000_000 + "\n" + GOOD, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(FileRejected, match=f"more than the {MAX_COLUMNS:,} allowed"):
        ingest_file(store, "subjects", path)
    assert time.perf_counter() - started < 2
    assert store.count("subjects") == 0


def test_a_200_kb_line_without_an_end_is_a_reason_not_a_traceback(store, tmp_path):
    path = tmp_path / "endless.csv"
    path.write_text(HEADER + GOOD + "9" * 200_000, encoding="utf-8")
    result = ingest_file(store, "subjects", path)
    assert (result.accepted, result.rejected) == (2, 1)


def test_one_huge_field_costs_only_its_row(store, tmp_path):
    path = tmp_path / "huge.csv"
    huge = "91350203M0001QAY9B," + "名" * (MAX_ROW_BYTES // 3 + 10) + ",enterprise,350203\n"
    path.write_text(HEADER + huge + GOOD, encoding="utf-8")
    result = ingest_file(store, "subjects", path)
    assert (result.accepted, result.rejected) == (2, 1)
    [(row, code)] = store.con.execute(
        "SELECT row_number, reason_code FROM ingest_issues WHERE action = 'rejected'"
    ).fetchall()
    assert (row, code) == (2, "MALFORMED_ROW")  # the huge line was the file's row 2


def test_an_xlsx_claiming_the_whole_sheet_reads_in_a_moment(store, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["uscc", "name", "subject_type", "region_code"])
    sheet.append(["91350200776049653A", "甲便利店", "enterprise", "350200"])
    sheet["XFD1048576"] = "x"  # one far cell: the sheet's dimension becomes A1:XFD1048576
    path = tmp_path / "far.xlsx"
    book.save(path)
    started = time.perf_counter()
    result = ingest_file(store, "subjects", path)
    assert time.perf_counter() - started < 10
    assert result.accepted == 1
