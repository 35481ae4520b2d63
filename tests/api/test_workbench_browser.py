"""The workbench in a real browser: Debian's Chromium, headless, driven by Selenium against the
service running under uvicorn, with every host but the service's own unreachable (as on an
office intranet). Screenshots of each page go to ``tests/artifacts/workbench/``.

CI installs Chromium and its driver (``scripts/system-packages.sh``) and sets
``CREDIT_SCORING_BROWSER_TESTS=required``; elsewhere the test skips when they are missing.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from api import create_app
from credit_scoring.workflows import connect
from credit_scoring.workflows.keys import create_key
from tests.api.conftest import start_service

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).parents[1] / "artifacts" / "workbench"

if not (CHROMIUM.exists() and DRIVER.exists()):
    if os.environ.get("CREDIT_SCORING_BROWSER_TESTS") == "required":
        raise RuntimeError(
            "Chromium and chromedriver are required here: scripts/system-packages.sh"
        )
    pytest.skip(
        "no Chromium here (scripts/system-packages.sh installs it)", allow_module_level=True
    )

from selenium import webdriver  # noqa: E402  (after the skip: only where a browser exists)
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service as DriverService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def live(city, tmp_path_factory):
    """The service on a real port, over a copy of the test city, with a key per role."""
    folder = tmp_path_factory.mktemp("browser")
    shutil.copy(city / "credit.duckdb", folder / "credit.duckdb")
    shutil.copytree(city / "snapshots", folder / "snapshots")
    url = f"sqlite:///{folder / 'workflow.db'}"
    engine = connect(url)
    keys = {role: create_key(engine, name=f"浏览器-{role}", role=role, actor="tests")[1]
            for role in ("reviewer", "regulator")}  # fmt: skip
    _, settings = start_service(folder, url, poll_seconds=0.2)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", keys, folder
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--lang=zh-CN",
                 # The network cut: only the service on loopback answers.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):  # fmt: skip
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})  # fmt: skip
    driver = webdriver.Chrome(service=DriverService(str(DRIVER)), options=options)
    driver.downloads = downloads
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def _accessible(driver) -> None:
    """Every visible input has a label, headings do not skip a level, tables have headers."""
    problems = driver.execute_script("""
        const out = [];
        for (const el of document.querySelectorAll('input, select, textarea')) {
            const labelled = el.labels && el.labels.length;
            if (el.type !== 'hidden' && !labelled) out.push('unlabelled ' + el.name);
        }
        let last = 0;
        for (const h of document.querySelectorAll('h1, h2, h3, h4')) {
            const level = Number(h.tagName[1]);
            if (level > last + 1) out.push('heading ' + h.tagName + ' after h' + last);
            last = level;
        }
        for (const t of document.querySelectorAll('table')) {
            if (!t.querySelector('th')) out.push('table without header cells');
        }
        return out;""")
    assert problems == [], f"{driver.current_url}: {problems}"


def _go(driver, element) -> None:
    """Click ``element`` and wait until the browser has left the page it was on."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 30).until(lambda _: _detached(page))


def _detached(element) -> bool:
    """Whether ``element`` no longer belongs to the document.

    Selenium's ``staleness_of`` only knows the stale-element error; Chromium, asked
    in the middle of a navigation, may answer with a generic inspector error
    instead ("Node with given id does not belong to the document"), which failed CI.
    """
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error.msg):
            return True
        raise
    return False


def _sign_in(driver, base: str, key: str) -> None:
    driver.get(f"{base}/workbench/")
    assert "/workbench/login" in driver.current_url
    driver.find_element(By.ID, "api_key").send_keys(key)
    _go(driver, driver.find_element(By.CSS_SELECTOR, "button.primary"))


def _wait_for(predicate, seconds: float = 20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_reviewer_looks_up_a_subject_opens_a_cited_record_and_decides_an_objection(
    live, browser, samples
):
    base, keys, _ = live
    browser.get(f"{base}/workbench/")
    _shot(browser, "01-login")
    _accessible(browser)
    _sign_in(browser, base, keys["reviewer"])
    assert browser.find_element(By.TAG_NAME, "h1").text == "概览"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    _shot(browser, "02-dashboard")
    _accessible(browser)
    # Search a D-grade subject by the first characters of its code, and open it.
    uscc, list_entry = samples.black_listed
    _go(browser, browser.find_element(By.LINK_TEXT, "主体查询"))
    browser.find_element(By.ID, "q").send_keys(uscc[:14])
    _go(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    _go(browser, browser.find_element(By.LINK_TEXT, uscc))
    assert uscc in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.CSS_SELECTOR, ".card .grade").text == "D"
    _shot(browser, "03-subject")
    _accessible(browser)
    # A reason's cited record opens in full.
    link = browser.find_elements(By.CSS_SELECTOR, "a.record-link")[0]
    cited = link.text
    _go(browser, link)
    assert cited in browser.find_element(By.TAG_NAME, "h1").text
    assert "公示期" in browser.page_source
    _shot(browser, "04-record")
    _accessible(browser)
    # An objection filed through the API is decided here: the grade and the audit trail change.
    filed = httpx.post(f"{base}/v1/objections", json={
        "uscc": uscc, "record_table": "list_entries", "record_id": list_entry,
        "reason": "名单已依法移出", "filed_by": "丁公司"}).json()  # fmt: skip
    browser.get(f"{base}/workbench/objections")
    _go(browser, browser.find_element(By.LINK_TEXT, str(filed["id"])))
    _shot(browser, "05-objection")
    _accessible(browser)
    browser.find_element(By.ID, "accept").click()
    browser.find_element(By.ID, "note").send_keys("核实名单已移出，异议成立")
    _go(browser, browser.find_element(By.CSS_SELECTOR, "form button.primary"))
    assert "异议成立" in browser.find_element(By.TAG_NAME, "h1").text
    after = browser.find_element(By.XPATH, "//th[text()='决定后等级']/following-sibling::td")
    served = httpx.get(f"{base}/v1/subjects/{uscc}/grade",
                       headers={"X-API-Key": keys["reviewer"]}).json()["grade"]  # fmt: skip
    assert after.text.startswith(served) and served != "D"
    assert "objection_upheld" in browser.page_source
    _shot(browser, "06-decided")


def test_a_regulator_draws_a_plan_downloads_it_uploads_results_and_evaluates(live, browser):
    base, keys, _ = live
    browser.delete_all_cookies()
    _sign_in(browser, base, keys["regulator"])
    browser.get(f"{base}/workbench/plans")
    browser.execute_script("document.getElementById('as_of').value = '2026-09-30'")
    browser.find_element(By.ID, "rate").send_keys("0.1")
    seed = browser.find_element(By.ID, "seed")
    seed.clear()
    seed.send_keys("20261001")
    _go(browser, browser.find_element(By.CSS_SELECTOR, "form button.primary"))
    assert "抽查计划" in browser.find_element(By.TAG_NAME, "h1").text
    plan_id = browser.find_element(By.CSS_SELECTOR, "h1 .code").text
    _shot(browser, "07-plan")
    _accessible(browser)
    _go(browser, browser.find_element(By.XPATH, "//button[text()='复核计划']"))
    assert "复核通过" in browser.page_source
    browser.find_element(By.LINK_TEXT, "下载 Excel").click()
    workbook = _wait_for(lambda: next(browser.downloads.glob("*.xlsx"), None))
    import openpyxl

    book = openpyxl.load_workbook(_wait_for(lambda: workbook if workbook.stat().st_size else None))
    assert book.sheetnames[:2] == ["计划说明", "抽查事项清单"] and len(book.sheetnames) > 2
    # The CSV export, filled in as inspectors would, goes back through ingestion.
    exported = httpx.get(
        f"{base}/v1/plans/{plan_id}", params={"format": "csv"},
        headers={"X-API-Key": keys["regulator"]},
    ).content.decode("utf-8-sig")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(exported)))
    for i, row in enumerate(rows):
        row["检查日期"] = "2026-10-08"  # after the plan, before the service's today
        row["检查结果"] = "发现违法违规" if i % 4 == 0 else "未发现问题"
    filled = browser.downloads / "results.csv"
    with filled.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    browser.find_element(By.ID, "results").send_keys(str(filled))
    _go(browser, browser.find_element(By.XPATH, "//button[text()='导入检查结果']"))
    notice = browser.find_element(By.CSS_SELECTOR, "p.notice").text
    assert f"新增 {len(rows):,}" in notice, notice
    _go(browser, browser.find_element(By.LINK_TEXT, "结果评估"))
    assert browser.find_elements(By.CSS_SELECTOR, "svg rect")
    _shot(browser, "08-evaluation")
    _accessible(browser)
    for page, name in (("frequencies", "09-frequencies"), ("lists", "10-lists")):
        browser.get(f"{base}/workbench/{page}")
        _shot(browser, name)
        _accessible(browser)


def test_the_api_documentation_opens_without_the_internet(live, browser):
    base, _, _ = live
    browser.get(f"{base}/docs")
    operations = _wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".opblock"))
    assert len(operations) > 10
    _shot(browser, "11-docs-offline")
    browser.get(f"{base}/redoc")
    _wait_for(lambda: "/v1/subjects/{uscc}/grade" in browser.page_source)
