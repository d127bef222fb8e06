"""Forms and details pages in a real browser: a link picked by typing (Tom Select over the picker
endpoint), a child row added in place on an evaluation's details page."""
from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


def _settled(check):
    """``check`` for a wait, a re-rendered element counting as not yet."""
    def run(driver):
        try:
            return check(driver)
        except StaleElementReferenceException:
            return False
    return run


def _pick(page, scope: str, text: str, expect: str) -> None:
    """Type ``text`` into the picker inside ``scope`` and choose the option showing ``expect``."""
    page.find(f"{scope} .ts-control").click()
    page.driver.switch_to.active_element.send_keys(text)
    def clicked(d):
        option = next((o for o in d.find_elements(By.CSS_SELECTOR, ".ts-dropdown .option")
                       if expect in o.text and o.is_displayed()), None)
        if option is None:
            return False
        option.click()
        return True

    page.wait(_settled(clicked))


def test_create_a_contract_picking_its_supplier_by_typing(page):
    page.sign_in()
    page.open("/admin/records/contract/new/")
    page.find("#title").send_keys("Browser picked contract")
    assert page.all("select#supplier option[value]:not([value=''])") == []  # nothing loaded up front
    _pick(page, "form", "Huajie", "Huajie Cleaning")
    page.find("form.admin-form [type=submit]").click()
    page.wait(lambda d: "/new/" not in d.current_url)
    page.open("/admin/records/contract/?search=Browser+picked")
    assert "Huajie Cleaning" in page.text()


def test_add_an_evaluation_item_in_place_on_the_details_page(page):
    page.sign_in()
    page.open("/admin/records/evaluation/details/?id=1")
    panel = "[data-related='evaluation_item.evaluation']"
    page.find(f"{panel} h5")
    before = len(page.all(f"{panel} tr[data-rb-view-row]"))
    page.find(f"{panel} [data-rb-row-action=add]").click()
    row = f"{panel} tr[data-rb-new-row]"
    _pick(page, row, "pass rate", "pass rate")
    actual = page.find(f"{row} [data-rb-input=actual]")
    actual.clear()
    actual.send_keys("97" + Keys.TAB)
    page.find(f"{row} [data-rb-row-action=create]").click()
    page.wait(_settled(lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{panel} tr[data-rb-view-row]")) == before + 1))
    assert "97" in page.find(panel).text


def test_the_pickers_buttons_and_a_selects_filter_speak_chinese(page):
    """In Chinese the picker's clear button is titled 清除 (not Tom Select's "Clear All"), and a select's
    "is any of" filter shows the chosen choices by their Chinese labels (not their keys)."""
    page.sign_in()
    page.switch_language()
    try:
        page.open("/admin/records/contract/new/")
        _pick(page, "form", "Huajie", "Huajie Cleaning")
        # (the button shows on hover: found in the page, not waited for as visible)
        clear = page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "form .ts-wrapper .clear-button"))
        assert clear[0].get_attribute("title") == "清除"
        page.open("/admin/records/contract/")
        page.find("table.rb-grid")
        status = next(i for i in page.driver.execute_script(
            "return JSON.parse(document.getElementById('filter-groups-data').textContent)")["状态"]
            if i["type"] == "select2-tags")
        page.open(f"/admin/records/contract/?flt0_{status['arg']}=active%2Cexpiring")
        page.find("table.rb-grid")
        shown = page.wait(lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, "#filter_form .select2-search-choice")
                                     if e.text] or None)
        assert shown == ["生效", "即将到期"], shown
    finally:
        page.switch_language()
