"""POST /v1/credit-checks/batch: an uploaded list checked row by row over the served snapshot,
as a workbook or JSON; bad files, oversize bodies and other roles are refused with the reason."""

from __future__ import annotations

import io
from collections import Counter

import openpyxl
import pandas as pd
import pytest

from api.files import XLSX
from api.middleware import MAX_UPLOAD_BYTES
from credit_scoring.records.codes import uscc_check_char

BATCH = "/v1/credit-checks/batch"
UNKNOWN = "91350200MA00000X0" + uscc_check_char("91350200MA00000X0")


@pytest.fixture(scope="module")
def mixed(samples):
    """A list mixing good, malformed, wrong-check-character, unknown and repeated codes; each row
    with the outcome and the repeated row the check must report."""
    black, penalised = samples.black_listed[0], samples.penalised[0]
    typo = black[:17] + next(c for c in "0123456789" if c != black[17])
    return [
        (black, "checked", None),  # row 2: on the black list
        (penalised, "checked", None),  # row 3
        (UNKNOWN, "unknown", None),  # row 4
        (typo, "checksum_mismatch", None),  # row 5: the black-listed code, one character off
        ("91350200-77604965", "malformed", None),  # row 6
        ("", "missing", None),  # row 7
        (black.lower(), "checked", 2),  # row 8: a repeat, typed in lower case
    ]


def _upload(rows, name="名单.xlsx", column="统一社会信用代码"):
    frame = pd.DataFrame(
        [{"编号": f"00{i}", column: code, "备注": "+86 592 1234567" if i == 1 else f"第{i}家"}
         for i, (code, *_) in enumerate(rows, 1)],
        dtype=str,
    )  # fmt: skip
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return {"file": (name, buffer.getvalue())}


def test_a_mixed_list_comes_back_row_for_row_as_json(service, samples, mixed):
    response = service.post(f"{BATCH}?format=json", "regulator", files=_upload(mixed),
                            data={"scenario": "procurement"})  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows_in"] == body["rows"] == len(body["results"]) == len(mixed)  # in = out
    assert [r["outcome"] for r in body["results"]] == [outcome for _, outcome, _ in mixed]
    assert [r["repeat_of"] for r in body["results"]] == [repeat for *_, repeat in mixed]
    assert body["outcomes"] == {**dict.fromkeys(body["outcomes"], 0),
                                **Counter(outcome for _, outcome, _ in mixed)}  # fmt: skip
    assert body["repeats"] == 1 and body["file"] == "名单.xlsx"
    assert [r["cells"]["编号"] for r in body["results"]] == [f"00{i}" for i in range(1, 8)]
    black = body["results"][0]
    assert black["grade"] == "D" and "black" in black["lists"]
    p03 = next(m for m in black["measures"] if m["code"] == "P03")
    assert samples.black_listed[1] in {r["record_id"] for r in p03["records"]}
    assert "应为" in body["results"][3]["reason"]


def test_the_workbook_has_the_result_and_the_summary(service, mixed):
    response = service.post(BATCH, "reviewer", files=_upload(mixed),
                            data={"scenario": "tendering"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    result = list(book["核查结果"].iter_rows(values_only=True))
    assert len(result) == len(mixed) + 1
    assert result[0][:4] == ("编号", "统一社会信用代码", "备注", "行号")
    assert result[1][2] == "'+86 592 1234567"  # what Excel would run as a formula stays text
    summary = {item: n for _, item, n in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["输入行数"] == summary["输出行数"] == len(mixed)


def test_a_csv_list_in_gb18030_is_read(service, samples):
    content = f"统一社会信用代码,名称\n{samples.penalised[0]},甲店\n".encode("gb18030")
    response = service.post(f"{BATCH}?format=json", "regulator",
                            files={"file": ("list.csv", content)},
                            data={"scenario": "honours"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["cells"] == {
        "统一社会信用代码": samples.penalised[0], "名称": "甲店"}  # fmt: skip


def test_a_missing_column_is_a_422_naming_the_file_and_its_columns(service, mixed):
    response = service.post(BATCH, "regulator", files=_upload(mixed, column="代码"),
                            data={"scenario": "procurement"})  # fmt: skip
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert detail.startswith("名单.xlsx: no column '统一社会信用代码'; the columns are: 编号, 代码")


def test_a_damaged_file_or_an_unknown_scenario_is_a_422(service, mixed):
    damaged = service.post(BATCH, "regulator", files={"file": ("x.xlsx", b"PK\x03\x04broken")},
                           data={"scenario": "procurement"})  # fmt: skip
    assert damaged.status_code == 422 and "x.xlsx: not a readable XLSX" in damaged.text
    unknown = service.post(BATCH, "regulator", files=_upload(mixed), data={"scenario": "lottery"})
    assert unknown.status_code == 422 and "scenario" in unknown.json()["detail"]


def test_a_list_over_the_body_cap_is_a_413(service):
    content = b"\xe7\xbb\x9f" * (MAX_UPLOAD_BYTES // 3 + 1)  # an upload may be 20 MB, not more
    response = service.post(BATCH, "regulator", files={"file": ("big.csv", content)},
                            data={"scenario": "procurement"})  # fmt: skip
    assert response.status_code == 413
    assert "exceeds" in response.json()["detail"]


@pytest.mark.parametrize("role, status", [(None, 401), ("analyst", 403), ("public", 403)])
def test_other_roles_may_not_check_a_list(service, mixed, role, status):
    response = service.post(BATCH, role, files=_upload(mixed), data={"scenario": "procurement"})
    assert response.status_code == status
