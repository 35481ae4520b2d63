"""Inspection plans through the API: drawn, read, downloaded and verified like the CLI does."""

from __future__ import annotations

import io

import openpyxl

REQUEST = {"as_of": "2026-09-30", "rate": 0.1, "seed": 11}


def test_a_drawn_plan_is_listed_downloaded_and_verifies(service):
    # Given a plan drawn by a regulator
    drawn = service.post("/v1/plans", "regulator", json=REQUEST)
    assert drawn.status_code == 201, drawn.text
    plan = drawn.json()
    # (the budget is the random draw; subjects due under a minimum frequency come on top)
    mandated = sum(item["stratum"] == "due" for item in plan["items"])
    assert plan["items"] and len(plan["items"]) == plan["budget"] + mandated
    assert all(item["due_by"] for item in plan["items"] if item["stratum"] == "due")
    assert all(0 < item["inclusion_prob"] <= 1 for item in plan["items"])
    # When it is read back, listed, downloaded and verified
    again = service.get(f"/v1/plans/{plan['plan_id']}", "analyst").json()
    listed = [p["plan_id"] for p in service.get("/v1/plans", "reviewer").json()]
    csv = service.get(f"/v1/plans/{plan['plan_id']}", "regulator", params={"format": "csv"})
    xlsx = service.get(f"/v1/plans/{plan['plan_id']}", "regulator", params={"format": "xlsx"})
    verified = service.post(f"/v1/plans/{plan['plan_id']}/verify", "regulator").json()
    # Then every view is the same plan, the files open as Excel does, and the draw verifies
    assert again == plan and plan["plan_id"] in listed
    assert csv.content.startswith(b"\xef\xbb\xbf") and "text/csv" in csv.headers["content-type"]
    assert len(csv.content.decode("utf-8-sig").splitlines()) == len(plan["items"]) + 1
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[:2] == ["计划说明", "抽查事项清单"]
    assert sum(sheet.max_row - 1 for sheet in book.worksheets[2:]) == len(plan["items"])
    assert verified["ok"] and verified["recomputed_commitment"] == plan["commitment"]


def test_the_same_seed_draws_the_same_plan_and_another_seed_another(service):
    first = service.post("/v1/plans", "regulator", json=REQUEST).json()
    second = service.post("/v1/plans", "admin", json=REQUEST).json()
    other = service.post("/v1/plans", "regulator", json={**REQUEST, "seed": 12}).json()
    assert second == first  # the id names the commitment: drawing it again is the same plan
    assert {i["uscc"] for i in other["items"]} != {i["uscc"] for i in first["items"]}
    assert other["commitment"] != first["commitment"]


def test_a_bad_plan_request_or_an_unknown_plan_is_a_problem(service):
    both = service.post("/v1/plans", "regulator", json={**REQUEST, "budget": 10})
    assert both.status_code == 422 and "budget or a rate" in both.text
    assert both.headers["content-type"] == "application/problem+json"
    missing = service.get("/v1/plans/P00000000-000000000000", "regulator")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
