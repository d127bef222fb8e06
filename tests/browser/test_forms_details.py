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
