"""The records grid in a real browser: open a pack list, hide a column with the chooser, edit a
cell inline (a validation error beside the cell, then a good value), bulk-edit two records, and
the outsourcing pack's evaluation items named by title (not '#id')."""
from __future__ import annotations

import os
import re

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

SHOTS = os.environ.get("RECORDBASE_GRID_SCREENSHOTS")  # a folder: save the grid's screenshots there


def _shot(page, name: str) -> None:
    if SHOTS:
        page.driver.save_screenshot(os.path.join(SHOTS, name))


def _headers(page) -> list[str]:
    return [th.get_attribute("data-field") for th in page.all("table.rb-grid thead th.rb-col")]


def _cell(page, row: int, field: str):
    index = _headers(page).index(field)
    return page.all("table.rb-grid tbody tr")[row].find_elements("css selector", "td")[index + 2]


def _text_of(page, row: int, field: str):
    try:
        return _cell(page, row, field).text.strip()
    except (StaleElementReferenceException, IndexError, ValueError):
        return None


def test_grid_journey(page):
    page.sign_in()
    page.open("/admin/records/supplier/")
    page.find("table.rb-grid")
    assert re.search(r"\d+ records", page.find(".rb-count").text)
    assert "headcount" in _headers(page)
    _shot(page, "grid-en.png")
    # the column chooser: hide a column, the choice in the URL
    page.find(".rb-chooser > a").click()
    page.find(".rb-chooser input[value=headcount]").click()
    page.find(".rb-cols-apply").click()
    page.wait(lambda d: "cols=" in d.current_url)
    page.find("table.rb-grid")
    assert "headcount" not in _headers(page) and "name" in _headers(page)
    # inline edit: a bad number, its error beside the cell; then a good one
    cell = _cell(page, 0, "years_experience")
    ActionChains(page.driver).double_click(cell).perform()
    box = page.find("td.rb-editing input")
    box.clear()
    box.send_keys("many", Keys.ENTER)
    error = page.find("td.rb-editing .rb-cell-error")
    assert error.text
    box = page.find("td.rb-editing input")
    box.clear()
    box.send_keys("12", Keys.ENTER)
    page.wait(lambda d: not d.find_elements("css selector", "td.rb-editing"))
    assert _cell(page, 0, "years_experience").text.strip() == "12"
    # bulk edit: the same value on two selected records
    boxes = page.all("input.action-checkbox")
    boxes[0].click()
    boxes[1].click()
    page.find(".rb-bulk > a").click()
    from selenium.webdriver.support.ui import Select
    Select(page.find(".rb-bulk-form select[name=field]")).select_by_value("years_experience")
    value = page.find(".rb-bulk-form input[name=value]")
    value.send_keys("7")
    page.find(".rb-bulk-form button[type=submit]").click()
    page.wait(lambda d: _text_of(page, 0, "years_experience") == "7")  # (the page reloads)
    assert _cell(page, 1, "years_experience").text.strip() == "7"
    # evaluation items are named by their KPI and result, never '#id'
    page.open("/admin/records/evaluation_item/")
    page.find("table.rb-grid")
    text = page.find("table.rb-grid").text
    assert not re.search(r"#\d+", text)
    _shot(page, "items-en.png")
    page.open("/admin/records/evaluation/")
    page.find("table.rb-grid tbody tr td.rb-open a").click()
    page.wait(lambda d: "/details/" in d.current_url)
    _shot(page, "evaluation-en.png")
    assert "Evaluation item #" not in page.text() and not re.search(r"\s#\d+\s", page.text().split("History")[0])
    page.switch_language()
    page.open("/admin/records/supplier/")
    page.find("table.rb-grid")
    assert "条记录" in page.find(".rb-count").text
    _shot(page, "grid-zh.png")


def test_a_link_filter_finds_its_record_by_typing(page):
    """A link filter's "=" is a type-ahead over the picker endpoint (no records listed in the page):
    type part of a supplier's title, pick it, apply; the list narrows, and the filter shows the title."""
    page.sign_in()
    page.open("/admin/records/contract/")
    page.find("table.rb-grid")
    toggle = next(a for a in page.all("a.dropdown-toggle") if a.text.strip() == "Add Filter")
    toggle.click()
    next(a for a in page.all("a.filter") if a.text.strip() == "Supplier").click()
    box = page.find("#filter_form .ts-control input")
    box.send_keys("Huajie")
    page.pick_option(".ts-dropdown .option", "Huajie")
    # (the pick shown before the filter is sent: on a loaded machine a click could land as the dropdown redrew)
    page.wait(lambda d: any("Huajie" in e.text for e in d.find_elements("css selector", "#filter_form .ts-control .item")))
    page.find("#filter_form button[type=submit]").click()
    page.wait(lambda d: re.search(r"[?&]flt\d+_", d.current_url))
    page.find("table.rb-grid")
    rows = page.all("table.rb-grid tbody tr")
    assert rows and all("Huajie" in r.text for r in rows), [r.text for r in rows]
    shown = page.find("#filter_form .ts-control .item")
    assert "Huajie" in shown.text  # the active filter by its record's title, not its id
