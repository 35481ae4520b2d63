"""一店一码 and 红黑榜: only records publishable on the day are shown; the QR code decodes to the
page's URL; credit checks return measures of the list with the records that trigger them."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil

import pytest
import yaml
import zxingcpp
from PIL import Image

from credit_scoring.grading import Grader
from credit_scoring.policies import load_measures, policy_path
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.snapshots import publish

from ..conftest import RESTAURANT, SHOP, tiny_city, write_table
from .conftest import AS_OF, fresh_workflow_database, start_service

SHOWN = {"CF1", "CF_NOW", "XK1", "MD_RED"}  # on SHOP's page on TODAY
HIDDEN = {
    "CF_MINOR",  # a minor penalty (a warning): in principle not published, though in force
    "CF_REPAIRED",  # withdrawn by an approved repair before TODAY
    "CF_LATER",  # decided after TODAY
    "CF_OLD",  # its maximum publicity period (2019 rule: 12 months) ended in 2023
    "XK_EXPIRED",  # valid until 2026-10-01
    "MD_BLACK_OFF",  # removed from the black list on 2026-10-05
    "MD_KEY",  # key-attention list: never on a public page
}


def _penalty(record_id, uscc, day, severity, types, **extra):
    return {"record_id": record_id, "uscc": uscc, "decision_no": f"城管罚〔{day[:4]}〕{record_id}",
            "violation_type": "占道经营", "penalty_types": types, "decision_date": day,
            "severity": severity, "fine_amount": "", "confiscated_amount": "", "legal_basis": "",
            "authority": "城管局", "published_date": "", **extra}  # fmt: skip


def _entry(record_id, uscc, list_type, entered, removed=""):
    return {"record_id": record_id, "uscc": uscc, "list_type": list_type, "entered_date": entered,
            "removed_date": removed, "reason": "认定", "authority": "城管局"}  # fmt: skip


@pytest.fixture(scope="module")
def shop_city(tmp_path_factory):
    rows = tiny_city()
    rows["penalties"] += [
        _penalty("CF_NOW", SHOP, "2026-05-01", "general", "fine"),
        _penalty("CF_MINOR", SHOP, "2026-08-01", "minor", "warning"),  # 3 months: to 10-31
        _penalty("CF_REPAIRED", SHOP, "2026-04-10", "general", "fine"),
        _penalty("CF_LATER", SHOP, "2026-11-20", "general", "fine"),
        _penalty("CF_OLD", SHOP, "2022-01-10", "general", "fine"),
        _penalty("CF_SERIOUS", RESTAURANT, "2026-06-01", "serious", "business_restriction"),
    ]
    rows["licences"].append({**rows["licences"][0], "record_id": "XK_EXPIRED",
                             "valid_to": "2026-10-01"})  # fmt: skip
    rows["list_entries"] += [
        _entry("MD_RED", SHOP, "red", "2026-02-01"),
        _entry("MD_BLACK_OFF", SHOP, "black", "2026-01-05", "2026-10-05"),
        _entry("MD_KEY", SHOP, "key_attention", "2026-03-01"),
        _entry("MD_BLACK", RESTAURANT, "black", "2026-07-01"),
    ]
    rows["record_events"].append({"record_id": "CF_REPAIRED", "table": "penalties",
                                  "event_type": "repair_approved", "event_date": "2026-09-01",
                                  "actor": "复核员", "note": ""})  # fmt: skip
    folder = tmp_path_factory.mktemp("shop-city")
    (folder / "files").mkdir()
    for name, table in rows.items():
        write_table(table, folder / "files" / f"{name}.csv")
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, folder / "files")
    with Store(folder / "credit.duckdb", read_only=True) as store:
        publish(store, folder / "snapshots", as_of=AS_OF, grader=Grader.rules_only())
    return folder


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request, shop_city):
    client, _ = start_service(shop_city, fresh_workflow_database(request.param, shop_city))
    with client:
        yield client


def _record_ids(html):
    return set(re.findall(r'data-record-id="([^"]+)"', html))


def test_the_merchant_page_shows_only_what_is_publishable_today(shop):
    page = shop.get(f"/public/merchants/{SHOP}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert _record_ids(page.text) == SHOWN
    assert "甲便利店" in page.text and "守信激励名单" in page.text
    assert "张*" in page.text and "张三" not in page.text and "11010519491231002X" not in page.text
    assert "信用等级" not in page.text  # models/grading.yaml: publish_grade is false


def test_a_record_leaves_the_page_when_its_publicity_ends_without_a_new_snapshot(shop_city):
    client, _ = start_service(shop_city, f"sqlite:///{shop_city / 'later.db'}",
                              today=dt.date(2026, 11, 5))  # fmt: skip
    with client:
        later = _record_ids(client.get(f"/public/merchants/{SHOP}").text)
    assert "CF_MINOR" not in later  # a minor penalty of 2026-08-01 is published 3 months
    assert later == SHOWN - {"CF_MINOR"}


def test_no_public_route_shows_a_record_that_may_not_be_published(shop):
    # Every public answer: each subject's page (which the QR code points at), both lists in
    # every format, and the public views of a filing.
    answers = [shop.get(f"/public/merchants/{uscc}").text for uscc in (SHOP, RESTAURANT)]
    for kind in ("red", "black"):
        answers += [shop.get(f"/public/lists/{kind}", params=p).text
                    for p in ({}, {"format": "csv"}, {"format": "xlsx"})]  # fmt: skip
    filing = {"uscc": SHOP, "record_table": "penalties", "record_id": "CF1", "reason": "x",
              "filed_by": "x"}  # fmt: skip
    answers.append(shop.post("/v1/objections", json=filing).text)
    for record_id in HIDDEN:
        assert not any(record_id in text for text in answers), record_id


def test_the_lists_hold_current_publishable_entries_filtered_by_region_and_domain(shop):
    red = shop.get("/public/lists/red").json()
    assert [e["record_id"] for e in red["entries"]] == ["MD_RED"]
    black = shop.get("/public/lists/black").json()
    assert [e["record_id"] for e in black["entries"]] == ["MD_BLACK"]  # MD_BLACK_OFF removed
    assert shop.get("/public/lists/red", params={"region": "3502"}).json()["total"] == 1
    assert shop.get("/public/lists/red", params={"region": "4401"}).json()["total"] == 0
    assert shop.get("/public/lists/red", params={"domain": "street_shop"}).json()["total"] == 1
    assert shop.get("/public/lists/red", params={"domain": "catering"}).json()["total"] == 0
    assert shop.get("/public/lists/key_attention").status_code == 422


def test_the_qr_code_decodes_to_the_page_url(shop):
    response = shop.get(f"/public/merchants/{SHOP}/qr.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [code.text for code in decoded] == [
        f"https://credit.example.gov.cn/public/merchants/{SHOP}"
    ]


def test_without_a_public_base_url_no_qr_code_is_made_whatever_the_host_header(shop_city):
    # A code for a shop door must not point wherever a request's Host header says.
    client, _ = start_service(shop_city, f"sqlite:///{shop_city / 'qr.db'}",
                              public_base_url=None)  # fmt: skip
    with client:
        refused = client.get(f"/public/merchants/{SHOP}/qr.png", headers={"Host": "evil.example"})
    assert refused.status_code == 503
    assert "CREDIT_SCORING_PUBLIC_BASE_URL" in refused.json()["detail"]


def test_public_pages_carry_security_headers_and_bodies_are_capped(shop):
    page = shop.get(f"/public/merchants/{SHOP}")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    huge = shop.post("/v1/objections", content=b"{" + b" " * 2_000_000 + b"}",
                     headers={"Content-Type": "application/json"})  # fmt: skip
    assert huge.status_code == 413 and huge.json()["type"] == "/problems/body-too-large"

    def chunks():  # a body sent without its length
        for _ in range(30):
            yield b" " * 100_000

    streamed = shop.post("/v1/objections", content=chunks(),
                         headers={"Content-Type": "application/json"})  # fmt: skip
    assert streamed.status_code == 413


def test_the_grade_is_on_the_page_only_where_the_policy_publishes_it(
    shop_city, tmp_path, monkeypatch
):
    policies = tmp_path / "models"
    shutil.copytree(policy_path("grading.yaml").parent, policies)
    grading = yaml.safe_load((policies / "grading.yaml").read_text(encoding="utf-8"))
    grading["publish_grade"] = True
    (policies / "grading.yaml").write_text(yaml.safe_dump(grading, allow_unicode=True))
    monkeypatch.setenv("CREDIT_SCORING_POLICY_DIR", str(policies))
    client, _ = start_service(shop_city, f"sqlite:///{tmp_path / 'grade.db'}")
    with client:
        page = client.get(f"/public/merchants/{SHOP}").text
    assert re.search(r'信用等级：<strong class="grade">[ABCD]</strong>', page)


def test_a_credit_check_returns_listed_measures_with_the_records_that_trigger_them(shop_city):
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.keys import create_key

    url = f"sqlite:///{shop_city / 'checks.db'}"
    _, key = create_key(connect(url), name="checker", role="regulator", actor="tests")
    client, _ = start_service(shop_city, url)
    listed = {m.code for m in load_measures().measures}
    with client:

        def check(uscc, scenario):
            response = client.post("/v1/credit-checks", headers={"X-API-Key": key},
                                   json={"uscc": uscc, "scenario": scenario})  # fmt: skip
            assert response.status_code == 200, response.text
            return {m["code"]: sorted(r["record_id"] for r in m["records"])
                    for m in response.json()["measures"]}  # fmt: skip

        # The restaurant: black-listed and a serious penalty inside its publicity period, so
        # graded D (key supervision in every scenario).
        assert check(RESTAURANT, "procurement") == {"P03": ["CF_SERIOUS", "MD_BLACK"],
                                                    "G02": ["grade:D"]}  # fmt: skip
        assert check(RESTAURANT, "honours") == {"P07": ["CF_SERIOUS", "MD_BLACK"],
                                                "G02": ["grade:D"]}  # fmt: skip
        # The shop: red-listed, but on the key-attention list too, which withholds incentives;
        # its penalties grade it D: no simplified procedures, key supervision.
        assert check(SHOP, "licensing") == {"P02": ["MD_KEY"], "G01": ["grade:D"],
                                            "G02": ["grade:D"]}  # fmt: skip
        assert check(SHOP, "funding") == {"G02": ["grade:D"], "G03": ["MD_KEY"]}
        for scenario in ("licensing", "procurement", "tendering", "funding", "honours"):
            assert set(check(RESTAURANT, scenario)) <= listed


def test_the_grade_in_force_drives_measures(service, samples):
    # A D-grade subject (graded D by its black-list entry) is under key supervision in every
    # scenario, and the measure cites its grade with the date and scorer it was given by.
    uscc, _ = samples.black_listed
    served = service.get(f"/v1/subjects/{uscc}/grade", "regulator").json()
    check = service.post("/v1/credit-checks", "regulator",
                         json={"uscc": uscc, "scenario": "procurement"}).json()  # fmt: skip
    [key] = [m for m in check["measures"] if m["code"] == "G02"]
    [grade] = key["records"]
    assert (grade["record_table"], grade["kind"]) == ("grades", "D")
    assert grade["start"] == served["as_of"] and grade["authority"] == "rules none"
    # An A-grade subject with nothing against it gets the green channel in licensing.
    a_grades = service.served.snapshot.tables["grades"].to_pandas().query("grade == 'A'")
    green = service.post("/v1/credit-checks", "regulator", json={
        "uscc": a_grades["uscc"].iloc[0], "scenario": "licensing"}).json()  # fmt: skip
    assert "G04" in {m["code"] for m in green["measures"]}


def test_the_lists_download_as_csv_and_xlsx_with_chinese_headers(shop):
    import io

    import openpyxl

    csv = shop.get("/public/lists/red", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.content.decode("utf-8-sig").splitlines()
    assert header.split(",")[:3] == ["统一社会信用代码", "名称", "名单类型"]
    assert any("MD_RED" in row and "守信激励名单" in row for row in rows)
    xlsx = shop.get("/public/lists/red", params={"format": "xlsx"})
    assert "attachment" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "统一社会信用代码" and any("MD_RED" in row for row in values[1:])
