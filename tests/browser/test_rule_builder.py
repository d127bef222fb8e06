"""An automation rule built in the builder, without JSON, in a real browser: the trigger first (only its
inputs show), a condition picked from the type's fields with operators in words, a set-field action with
a typed value; saved, it fires on the next record and is listed in words."""
from __future__ import annotations

from selenium.webdriver.support.ui import Select


def _shown(page, css: str) -> bool:
    return page.driver.execute_script(
        "var el = document.querySelector(arguments[0]); var box = el.closest('[data-on]');"
        "return !box || box.style.display !== 'none';", css)


def test_build_a_rule_and_see_it_fire(page):
    page.sign_in()
    page.open("/admin/rules/new/?type=training")
    page.find("#rb-name").send_keys("Supplier training counts 20 attendees")
    Select(page.find("#rb-on")).select_by_value("schedule")
    assert _shown(page, "#rb-every") and not _shown(page, "#rb-fields") and not _shown(page, "#rb-date-field")
    Select(page.find("#rb-on")).select_by_value("record_created")
    assert not _shown(page, "#rb-every") and not _shown(page, "#rb-fields")
    # the condition: Audience = Supplier staff (operators and choices in words)
    page.find(".rb-condition-builder .rb-cb-add").click()
    Select(page.find(".rb-cb-field")).select_by_value("audience")
    ops = [o.text for o in Select(page.find(".rb-cb-op")).options]
    assert "=" in ops and "is any of" in ops and "contains" not in ops
    Select(page.find(".rb-cb-op")).select_by_value("eq")
    Select(page.find(".rb-cb-value select")).select_by_visible_text("Supplier staff")
    # the action: set Attendees to 20
    Select(page.find(".rb-ab-new")).select_by_value("update_record")
    page.find(".rb-ab-add-value").click()
    Select(page.find(".rb-ab-value select")).select_by_value("attendees")
    page.find(".rb-ab-value input[type=number]").send_keys("20")
    page.find(".rb-rule-save").click()
    page.wait(lambda d: d.current_url.rstrip("/").endswith("/admin/rules"))
    assert "Supplier training counts 20 attendees" in page.text()
    # it fires: a new training for supplier staff gets 20 attendees, one for internal staff does not
    page.open("/admin/records/training/new/")
    page.find("#title").send_keys("Food safety for the canteen team")
    Select(page.find("#audience")).select_by_value("supplier")
    page.find("form.admin-form [type=submit]").click()
    page.wait(lambda d: "/new/" not in d.current_url)
    page.open("/admin/records/training/")
    row = [r for r in page.all("tr") if "Food safety for the canteen team" in r.text]
    assert row and "20" in row[0].text
    # the run history says what the rule did, in words, in both languages
    page.open("/admin/rules/runs/")
    said = page.find("tr.rb-run .rb-step-words").text
    assert said.startswith("Set Attendees → 20 on Food safety for the canteen team"), said
    assert page.find("tr.rb-run .rb-step-words a").get_attribute("href").split("/admin/")[1].startswith(
        "records/training/details/")
    assert page.driver.execute_script(  # the JSON, for experts: behind a closed "details"
        "return document.querySelector('tr.rb-run details.rb-step-details').open") is False
    page.driver.save_screenshot("/tmp/rb-run-history-en.png")
    page.switch_language()
    said = page.find("tr.rb-run .rb-step-words").text
    assert said.startswith("在 Food safety for the canteen team 上设置") and "→ 20" in said, said
    page.driver.save_screenshot("/tmp/rb-run-history-zh.png")
    page.switch_language()


def test_the_json_tab_round_trips_with_the_builder(page):
    page.sign_in()
    page.open("/admin/rules/new/?type=training")
    page.find("#rb-name").send_keys("Round trip")
    Select(page.find("#rb-on")).select_by_value("schedule")
    Select(page.find("#rb-every")).select_by_value("weekly")
    Select(page.find("#rb-weekday")).select_by_value("3")
    Select(page.find(".rb-ab-new")).select_by_value("notify")
    page.find(".rb-ab-row textarea").send_keys("Weekly training review")
    page.find(".rb-tab-json").click()
    document = page.find("#rb-rule-document").get_attribute("value")
    assert '"cron": "0 9 * * 3"' in document and '"message": "Weekly training review"' in document
    page.find(".rb-rule-tabs button[value=builder]").click()
    assert Select(page.find("#rb-every")).first_selected_option.get_attribute("value") == "weekly"
    assert Select(page.find("#rb-weekday")).first_selected_option.get_attribute("value") == "3"
    assert page.find(".rb-ab-row textarea").get_attribute("value") == "Weekly training review"
