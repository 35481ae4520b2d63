"""Batch credit checks: every row of the list comes out, in order, with its own cells unchanged,
its outcome and reason, and for a known subject the measures with their basis and records."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import openpyxl
import pandas as pd
import pytest

from credit_scoring.batch_checks import OUTCOMES, RESULT_COLUMNS, check_list, read_list
from credit_scoring.errors import FileRejected, InvalidInput
from credit_scoring.grading import Grader
from credit_scoring.policies import load_measures
from credit_scoring.records.codes import uscc_check_char
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.snapshots import Served, Snapshot, current_snapshot_id, publish

from .conftest import FLAGGED, RESTAURANT, SHOP, tiny_city, write_table

AS_OF = dt.date(2026, 9, 30)  # the snapshot's date
DAY = dt.date(2026, 10, 9)  # the day of the check
UNKNOWN = "91350200MA00000X0" + uscc_check_char("91350200MA00000X0")  # valid, in no registry
TYPO = SHOP[:17] + "B"  # SHOP with a wrong check character (it is A)

# (code, what the clerk typed in the other columns, expected outcome, expected repeat_of row).
# Rows are numbered as a spreadsheet shows them: the header is row 1.
LIST = [
    (SHOP, "007", "checked", None),  # row 2: on the red list
    (RESTAURANT, "2026-01-02", "checked", None),  # row 3: black list and a serious penalty
    (FLAGGED, "", "checked_flagged", None),  # row 4: only its check character fails; registered
    (UNKNOWN, "0012", "unknown", None),  # row 5
    (TYPO, "联系人：李四", "checksum_mismatch", None),  # row 6
    ("9135020077604965", "x", "malformed", None),  # row 7: 16 characters
    ("91350200776049653I", "y", "malformed", None),  # row 8: I is not in the alphabet
    ("", "未填", "missing", None),  # row 9
    (f" {SHOP.lower()} ", "重复", "checked", 2),  # row 10: SHOP again, spaced and lower-case
    (RESTAURANT, "重复", "checked", 3),  # row 11
    ("9135020077604965", "重复", "malformed", 7),  # row 12: a repeated bad code is still shown
]


def _list_rows() -> list[dict[str, str]]:
    return [{"序号": str(i), "统一社会信用代码": code, "申报单位": f"单位{i}", "备注": note}
            for i, (code, note, _, _) in enumerate(LIST, 1)]  # fmt: skip


def _penalty(record_id: str, uscc: str, day: str) -> dict[str, str]:
    return {"record_id": record_id, "uscc": uscc, "decision_no": f"城管罚〔2026〕{record_id}",
            "violation_type": "违规经营", "penalty_types": "business_restriction",
            "decision_date": day, "severity": "serious", "fine_amount": "",
            "confiscated_amount": "", "legal_basis": "", "authority": "城管局",
            "published_date": ""}  # fmt: skip


def _entry(record_id: str, uscc: str, list_type: str, entered: str) -> dict[str, str]:
    return {"record_id": record_id, "uscc": uscc, "list_type": list_type, "entered_date": entered,
            "removed_date": "", "reason": "认定", "authority": "城管局"}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    """The tiny city with SHOP on the red list and RESTAURANT black-listed, seriously penalised."""
    rows = tiny_city()
    rows["penalties"].append(_penalty("CF_SERIOUS", RESTAURANT, "2026-06-01"))
    rows["list_entries"] += [_entry("MD_RED", SHOP, "red", "2026-02-01"),
                             _entry("MD_BLACK", RESTAURANT, "black", "2026-07-01")]  # fmt: skip
    folder = tmp_path_factory.mktemp("batch-city")
    (folder / "files").mkdir()
    for name, table in rows.items():
        write_table(table, folder / "files" / f"{name}.csv")
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, folder / "files")
    with Store(folder / "credit.duckdb", read_only=True) as store:
        publish(store, folder / "snapshots", as_of=AS_OF, grader=Grader.rules_only())
    return Served(Snapshot(folder / "snapshots" / current_snapshot_id(folder / "snapshots")))


@pytest.fixture(params=["list.xlsx", "list.csv", "list-gb18030.csv"])
def list_file(request, tmp_path):
    encoding = "gb18030" if "gb18030" in request.param else "utf-8"
    return write_table(_list_rows(), tmp_path / request.param, encoding=encoding)


def test_every_row_comes_out_in_order_with_its_outcome_and_its_cells_unchanged(served, list_file):
    batch = check_list(served, read_list(list_file), "procurement", DAY)
    assert [row.number for row in batch.rows] == list(range(2, len(LIST) + 2))  # rows in = out
    assert [row.outcome for row in batch.rows] == [outcome for _, _, outcome, _ in LIST]
    assert [row.repeat_of for row in batch.rows] == [repeat for *_, repeat in LIST]
    frame = batch.result_frame()
    assert list(frame.columns) == ["序号", "统一社会信用代码", "申报单位", "备注", *RESULT_COLUMNS]
    original = pd.DataFrame(_list_rows(), dtype=object)
    pd.testing.assert_frame_equal(frame[original.columns], original)  # "007", "0012" as typed


def test_each_code_that_cannot_be_checked_says_why(served, list_file):
    reasons = {row.number: row.reason for row in check_list(served, read_list(list_file),
                                                            "procurement", DAY).rows}  # fmt: skip
    assert reasons[4] == "校验位应为“9”，实为“B”，但信用档案登记的即此代码"  # FLAGGED: checked
    assert "中无此主体" in reasons[5]
    assert reasons[6].startswith("校验位应为“A”，实为“B”，疑似录入错误")
    assert reasons[7] == "长度为16位，统一社会信用代码应为18位"
    assert reasons[8].startswith("第18位“I”不是统一社会信用代码的字符")
    assert reasons[9] == "该行未填写统一社会信用代码"
    assert reasons[2] == reasons[3] == ""


def test_a_black_listed_and_seriously_penalised_subject_gets_the_measures_and_their_records(
    served, list_file
):
    batch = check_list(served, read_list(list_file), "procurement", DAY)
    row = batch.rows[1]
    assert (row.code, row.name, row.grade.grade) == (RESTAURANT, "乙餐馆", "D")  # black → D
    records = {m.code: {r["record_id"] for r in m.records} for m in row.measures}
    # P03 (barred from procurement) by the entry and the penalty; G02 by the grade; no incentive.
    assert records == {"P03": {"MD_BLACK", "CF_SERIOUS"}, "G02": {"grade:D"}}
    assert [e["record_id"] for e in row.lists] == ["MD_BLACK"]
    assert row.green_channel == "否"
    basis = {m.code: m.basis for m in load_measures().measures}
    cells = dict(zip(RESULT_COLUMNS, batch.result_frame().iloc[1, 4:], strict=True))
    assert cells["名单状态"] == "严重失信主体名单（2026-07-01起）"
    assert cells["适用措施"].startswith("P03 依法限制参与政府采购活动；G02 ")
    assert cells["法律依据"] == f"P03：{basis['P03']}；G02：{basis['G02']}"
    assert "严重失信主体名单 MD_BLACK" in cells["触发记录"]
    assert "行政处罚 CF_SERIOUS（城管罚〔2026〕CF_SERIOUS）" in cells["触发记录"]


def test_the_green_channel_is_the_scenarios_incentives(served, tmp_path):
    path = write_table(_list_rows()[:2], tmp_path / "two.csv")
    shop, restaurant = check_list(served, read_list(path), "licensing", DAY).rows
    assert shop.green_channel.startswith("是（I01 容缺受理、绿色通道")  # the red list
    assert restaurant.green_channel == "否"  # black-listed: incentives withheld
    policy = load_measures()
    punishing = policy.model_copy(
        update={"measures": tuple(m for m in policy.measures if m.kind == "punishment")}
    )
    shop, _ = check_list(served, read_list(path), "licensing", DAY, punishing).rows
    assert shop.green_channel == "本场景无"


def test_the_summary_sheet_counts_each_outcome_repeat_and_measure(served, list_file):
    batch = check_list(served, read_list(list_file), "procurement", DAY)
    book = openpyxl.load_workbook(io.BytesIO(batch.xlsx()), read_only=True)
    assert book.sheetnames == ["核查结果", "汇总"]
    assert book["核查结果"].max_row == len(LIST) + 1  # the header and every row
    summary = {(kind, item): value for kind, item, value in
               book["汇总"].iter_rows(min_row=2, values_only=True)}  # fmt: skip
    expected = Counter(outcome for _, _, outcome, _ in LIST)
    assert {o: summary["核查结果", label] for o, label in OUTCOMES.items()} == {
        o: expected[o] for o in OUTCOMES
    }
    assert summary["重复", "代码与前面某行相同的行"] == 3
    # P03 for RESTAURANT (rows 3 and 11) and FLAGGED (its serious penalty CF2); I04 for SHOP.
    assert summary["适用措施", "P03 依法限制参与政府采购活动"] == 3
    assert summary["适用措施", "I04 在信用评价中予以加分"] == 2
    assert summary["合计", "输入行数"] == summary["合计", "输出行数"] == len(LIST)


def test_a_row_that_cannot_be_read_is_reported_in_its_place(served, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(f"统一社会信用代码,备注\n{SHOP},a\n{RESTAURANT},b,extra\n{FLAGGED},c\n",
                    encoding="utf-8")  # fmt: skip
    batch = check_list(served, read_list(path), "tendering", DAY)
    assert [(r.number, r.outcome) for r in batch.rows] == [
        (2, "checked"), (3, "unreadable"), (4, "checked_flagged")]  # fmt: skip
    assert "3 fields where the header has 2" in batch.rows[1].reason


def test_a_result_checked_again_keeps_its_columns_and_adds_its_own(served, list_file, tmp_path):
    again = tmp_path / "again.xlsx"
    again.write_bytes(check_list(served, read_list(list_file), "procurement", DAY).xlsx())
    frame = check_list(served, read_list(again), "funding", DAY).result_frame()
    assert "核查结果" in frame.columns and "核查结果（本次）" in frame.columns
    assert len(frame) == len(LIST)


def test_a_missing_column_names_the_file_and_the_columns_found(list_file):
    with pytest.raises(FileRejected) as error:
        read_list(list_file, "信用代码")
    assert str(error.value).startswith(f"{list_file}: no column '信用代码'; the columns are: "
                                       "序号, 统一社会信用代码, 申报单位, 备注 / ")  # fmt: skip


def test_an_unknown_scenario_is_refused_before_any_row(served, list_file):
    with pytest.raises(InvalidInput, match="scenario must be one of"):
        check_list(served, read_list(list_file), "lottery", DAY)
