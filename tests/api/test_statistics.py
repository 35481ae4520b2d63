"""``GET /v1/statistics``: a period's figures for analysts, as JSON or as the workbook."""

from __future__ import annotations

import io

import openpyxl

from api.files import XLSX
from credit_scoring.statistics import SHEETS

from .conftest import TODAY


def test_without_a_period_the_last_ended_quarter_comes_as_json(service):
    response = service.get("/v1/statistics", "analyst")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["period"], body["start"], body["end"]) == ("2026Q3", "2026-07-01", "2026-09-30")
    assert body["reported_on"] == TODAY.isoformat()  # publications counted up to today
    total = body["grades"][0]
    assert (total["department"], total["region_code"]) == ("全部", "全部")
    assert total["subjects"] == sum(total[g] for g in "ABCD") > 0
    assert [row["table"] for row in body["disclosure"] if row["authority"] == "(全部机关)"] == [
        "licences",
        "penalties",
    ]
    assert body["grading"]["source"] == "rules"


def test_a_department_and_a_month_narrow_the_figures(service):
    everything = service.get("/v1/statistics", "admin", params={"period": "2026-09"}).json()
    department = everything["grades"][1]["department"]
    response = service.get(
        "/v1/statistics", "regulator", params={"period": "2026-09", "department": department}
    )
    assert response.status_code == 200, response.text
    mine = response.json()
    assert {row["department"] for row in mine["commitments"]} == {"全部", department}
    assert {row["authority"] for row in mine["disclosure"]} <= {department}
    assert mine["grades"][0]["subjects"] == everything["grades"][1]["subjects"]


def test_the_workbook_downloads_with_a_sheet_per_table(service):
    response = service.get(
        "/v1/statistics", "analyst", params={"period": "2026Q3", "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert "2026Q3.xlsx" in response.headers["content-disposition"]
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == list(SHEETS)


def test_a_bad_period_or_department_is_a_problem_naming_it(service):
    response = service.get("/v1/statistics", "analyst", params={"period": "2026Q9"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "2026Q9" in response.json()["detail"]
    response = service.get("/v1/statistics", "analyst", params={"department": "不存在的局"})
    assert response.status_code == 422
    assert "not in the sampling policy" in response.json()["detail"]


def test_the_public_and_reviewers_may_not_read_statistics(service):
    assert service.get("/v1/statistics").status_code == 401
    assert service.get("/v1/statistics", "reviewer").status_code == 403
