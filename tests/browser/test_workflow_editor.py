"""Journey: the owner opens the contract's workflow in the editor (no JSON), adds a transition as a
row, saves; the record's details page offers it; the editor reads the same in Chinese."""
from __future__ import annotations

import os

from selenium.webdriver.support.ui import Select


def _shot(page, name: str) -> None:
    folder = os.environ.get("RB_SCREENSHOTS")
    if folder:
        page.driver.set_window_size(1366, 2400)
        page.driver.save_screenshot(os.path.join(folder, name))


def test_add_a_transition_in_the_editor(page):
    page.sign_in()
    page.open("/admin/workflows/")
    page.find(".rb-workflow-types a[href$='/admin/workflows/contract/']").click()
    page.find("form.rb-workflow-editor")
    _shot(page, "workflow_editor_en.png")
    rows = page.all(".rb-transition")
    blank = next(r for r in rows if not r.find_element("css selector", "input[id$='-name']").get_attribute("value"))
    blank.find_element("css selector", "input[id$='-name']").send_keys("reopen_draft")
    blank.find_element("css selector", "input[id$='-label']").send_keys("Back to draft")
    blank.find_element("css selector", "input[id$='-label_zh']").send_keys("退回草稿")
    Select(blank.find_element("css selector", "select[id$='-sources']")).select_by_value("expired")
    Select(blank.find_element("css selector", "select[id$='-to']")).select_by_value("draft")
    page.find("form.rb-workflow-editor button[type=submit]").click()
    page.wait(lambda d: "The workflow was saved." in page.text())
    assert any(r.find_element("css selector", "input[id$='-name']").get_attribute("value") == "reopen_draft"
               for r in page.all(".rb-transition"))
    page.switch_language()
    page.find("form.rb-workflow-editor")
    text = page.text()
    assert "审批层级" in text
    assert "Transitions" not in text and "Approval levels" not in text and "流转" in text
    _shot(page, "workflow_editor_zh.png")
