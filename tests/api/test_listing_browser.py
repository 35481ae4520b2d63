"""The list identification and joint-measures pages in a real browser (Chromium, as in
``test_workbench_browser.py``, whose service and browser this module shares): a regulator serves
a notice from the candidates, records a written objection, and answers a task; every page
passes the same accessibility checks."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

# Importing the module skips this one too where no browser is installed.
from tests.api.test_workbench_browser import (  # noqa: F401  (the fixtures, by name)
    _accessible,
    _go,
    _shot,
    _sign_in,
    browser,
    live,
)


def test_a_regulator_notices_a_candidate_records_an_objection_and_answers_a_task(
    live,  # noqa: F811  (the shared fixture, imported above)
    browser,  # noqa: F811
):
    base, keys, _ = live
    browser.delete_all_cookies()
    _sign_in(browser, base, keys["regulator"])
    _go(browser, browser.find_element(By.LINK_TEXT, "名单认定"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "名单认定"
    _shot(browser, "20-listing")
    _accessible(browser)
    uscc = browser.find_element(By.CSS_SELECTOR, "tbody a.code").text
    _go(browser, browser.find_element(By.XPATH, "//button[text()='送达告知书']"))
    assert uscc in browser.page_source and "已告知" in browser.find_element(By.TAG_NAME, "h1").text
    _shot(browser, "21-notice")
    _accessible(browser)
    browser.find_element(By.ID, "filed_by").send_keys("代理人")
    browser.find_element(By.ID, "reason").send_keys("所涉处罚已申请行政复议")
    _go(browser, browser.find_element(By.CSS_SELECTOR, "form button.primary"))
    assert "异议审查中" in browser.find_element(By.TAG_NAME, "h1").text
    assert "listing_objection_filed" in browser.page_source

    issued = httpx.post(f"{base}/v1/sanctions/tasks", headers={"X-API-Key": keys["regulator"]},
                        json={"uscc": uscc, "scenario": "procurement"}).json()  # fmt: skip
    _go(browser, browser.find_element(By.LINK_TEXT, "联合奖惩"))
    _shot(browser, "22-sanctions")
    _accessible(browser)
    task = issued[0]["id"]
    browser.find_element(By.ID, f"note-{task}").send_keys("已签收")
    _go(browser, browser.find_element(By.XPATH, f"//form[@action='/workbench/sanctions/{task}"
                                                "/response']//button"))  # fmt: skip
    assert "已签收" in browser.page_source
    _accessible(browser)
