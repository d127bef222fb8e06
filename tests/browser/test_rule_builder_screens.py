"""The rule builder and run history as a business user sees them at 1366 px, in English and Chinese:
condition rows fit their container (field, operator, value and remove on one line, nothing cut off),
a link value is found by typing its title, "start a transition" offers the workflow's transitions by
name, and the run history says what each step did."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

OVERFLOW = """
var out = [];
document.querySelectorAll(arguments[0]).forEach(function (row) {
  var box = row.parentElement.getBoundingClientRect();
  if (row.scrollWidth > row.clientWidth + 1) { out.push('scroll ' + row.scrollWidth + '>' + row.clientWidth); }
  Array.prototype.forEach.call(row.children, function (c) {
    var r = c.getBoundingClientRect();
    if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) {
      out.push(c.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' outside ' +
               Math.round(box.left) + '..' + Math.round(box.right));
    }
  });
});
return out;"""


def _condition_row(page, field: str, op: str) -> None:
    page.find(".rb-condition-builder .rb-cb-add").click()
    Select(page.all(".rb-cb-field")[-1]).select_by_value(field)
    Select(page.all(".rb-cb-op")[-1]).select_by_value(op)


def test_rule_builder_fits_and_searches_links(page):
    page.sign_in()
    for lang in ("en", "zh"):
        page.open("/admin/rules/new/?type=evaluation")
        _condition_row(page, "status", "eq")
        _condition_row(page, "supplier", "eq")
        _condition_row(page, "evaluator", "eq")
        assert page.driver.execute_script(OVERFLOW, ".rb-cb-row") == []
        # the supplier is found by typing part of its name (not picked from the first 200 records)
        control = page.find(".rb-cb-row:nth-child(2) .rb-cb-value .ts-control input")
        control.send_keys("Huajie")
        page.pick_option(".rb-cb-row:nth-child(2) .ts-dropdown .option", "Huajie")
        tree = page.driver.execute_script("return document.querySelector('#rb-rule-condition').value")
        assert '"field":"supplier","op":"eq","value":' in tree.replace(" ", "")
        assert page.driver.execute_script(OVERFLOW, ".rb-cb-row") == []
        # start a transition: the evaluation workflow's transitions by name
        Select(page.find(".rb-ab-new")).select_by_value("transition")
        names = [o.text for o in Select(page.find(".rb-ab-transition")).options]
        assert names == (["Choose a transition", "Submit for confirmation"] if lang == "en" else ["选择流转", "提交确认"])
        page.driver.save_screenshot(f"/tmp/rb-rule-builder-{lang}.png")
        if lang == "en":
            page.switch_language()
