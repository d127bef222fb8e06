"""Conditional fields in a real browser: on the outsourcing pack's new-risk form, the mitigation plan
appears when a treatment that needs one is picked, becomes required while the risk is being
mitigated, and an empty one is refused by the server beside the field (in Chinese too)."""
from __future__ import annotations

from selenium.webdriver.support.ui import Select


def _group_shown(page, name: str) -> bool:
    return page.driver.execute_script(
        "var el = document.querySelector('[name=\"' + arguments[0] + '\"]');"
        "var box = el.closest('.form-group'); return box.style.display !== 'none';", name)


def test_a_field_appears_when_a_choice_is_picked_and_becomes_required(page):
    page.sign_in()
    page.open("/admin/records/risk/new/")
    page.find("#title").send_keys("Cleaning staff turnover")
    assert not _group_shown(page, "mitigation_plan")
    Select(page.find("#treatment")).select_by_value("reduce")
    page.wait(lambda d: _group_shown(page, "mitigation_plan"))
    plan = page.find("#mitigation_plan")
    assert plan.get_attribute("required") is None
    Select(page.find("#status")).select_by_value("mitigating")
    page.wait(lambda d: plan.get_attribute("required") is not None)
    assert page.all("label[for=mitigation_plan] .rb-cond-star")
    Select(page.find("#treatment")).select_by_value("accept")
    page.wait(lambda d: not _group_shown(page, "mitigation_plan"))
    # the browser no longer insists, the server still does: hidden, so not required; shown again, refused
    Select(page.find("#treatment")).select_by_value("reduce")
    page.driver.execute_script("document.getElementById('mitigation_plan').required = false;")
    page.find("form.admin-form [type=submit]").click()
    feedback = page.find(".invalid-feedback, .rb-form-errors")
    assert "is required when Status = Mitigating" in feedback.text


def test_the_refusal_is_worded_in_chinese(page):
    page.sign_in()
    page.switch_language()
    try:
        page.open("/admin/records/risk/new/")
        page.find("#title").send_keys("保洁人员流失")
        Select(page.find("#treatment")).select_by_value("reduce")
        Select(page.find("#status")).select_by_value("mitigating")
        page.driver.execute_script("document.getElementById('mitigation_plan').required = false;")
        page.find("form.admin-form [type=submit]").click()
        assert "在 状态 等于 缓解中 时必填" in page.find(".invalid-feedback, .rb-form-errors").text
    finally:
        page.switch_language()
