"""A business user's journey in Chinese: sign in, switch language, build a record type with fields in the
metamodel pages, enter a record through the form, read it back with labels and badges; then the
outsourcing pack's screens show labels, badges and rounded numbers, never keys, raw floats or ``#id``."""
from __future__ import annotations

import re
import uuid


from selenium.webdriver.common.by import By

#: a float as Python prints an unrounded average: 98.96666666666667
RAW_FLOAT = re.compile(r"\d+\.\d{5,}")


def _submit(page) -> None:
    page.find("form.admin-form input[type=submit].btn-primary, form.admin-form button[type=submit]").click()


def _fill(page, name: str, value: str) -> None:
    box = page.find(f"form.admin-form [name='{name}']")
    box.clear()
    box.send_keys(value)


def _in_chinese(page) -> None:
    """Sign in and press the language switch until the page is Chinese (the choice is kept per user)."""
    page.sign_in()
    page.open("/admin/")
    if "退出" not in page.text():
        page.switch_language()
    assert "退出" in page.text()


def test_build_a_type_and_enter_a_record_in_chinese(page):
    type_name = "visit_" + uuid.uuid4().hex[:6]
    _in_chinese(page)

    page.open("/admin/metamodel/types/new/")
    _fill(page, "name", type_name)
    _fill(page, "label", "Visit")
    _fill(page, "label_zh", "拜访记录")
    _fill(page, "description", "Customer visits.")
    _fill(page, "description_zh", "客户拜访。")
    _submit(page)
    page.wait(lambda d: "/types/new/" not in d.current_url)

    for api, label_zh, kind, extra in (("title", "主题", "text", {}),
                                        ("score", "评分", "number", {}),
                                        ("mood", "氛围", "single_select",
                                         {"opt_choices": "good | Good | 好 | #2ca02c\nbad | Bad | 差 | #d62728"})):
        page.open(f"/admin/metamodel/types/{type_name}/fields/new/?type={kind}")
        _fill(page, "name", api)
        _fill(page, "label", api.capitalize())
        _fill(page, "label_zh", label_zh)
        for name, value in extra.items():
            _fill(page, name, value)
        _submit(page)
        page.wait(lambda d: "/fields/new/" not in d.current_url)
        assert label_zh in page.text()

    page.open(f"/admin/records/{type_name}/new/")
    _fill(page, "title", "季度回访")
    _fill(page, "score", "4.5")
    page.driver.execute_script("var s = document.querySelector(\"form.admin-form [name='mood']\");"
                               "s.value = 'good'; s.dispatchEvent(new Event('change'));")
    _submit(page)
    page.wait(lambda d: "/new/" not in d.current_url)

    page.open(f"/admin/records/{type_name}/")
    text = page.text()
    assert "拜访记录" in text and "客户拜访。" in text and "Customer visits." not in text
    assert "季度回访" in text and "4.5" in text
    badge = page.find("td .rb-choice")
    assert badge.text == "好"  # the choice's Chinese label, not its key
    assert "good" not in text and "Good" not in text


def test_the_outsourcing_screens_show_labels_badges_and_rounded_numbers(page):
    _in_chinese(page)
    page.open("/admin/records/supplier/")
    text = page.text()
    assert "供应商" in text and "服务供应商、资质及我方负责人。" in text and "Service suppliers" not in text
    assert not RAW_FLOAT.search(text), RAW_FLOAT.search(text)
    assert page.all("td .rb-choice"), "no choice badges on the supplier list"
    for key in ("under_review", "approved", "it_support", "software_testing"):
        assert key not in text, key

    page.open("/admin/records/evaluation/")
    text = page.text()
    assert not RAW_FLOAT.search(text), RAW_FLOAT.search(text)
    assert not re.search(r"\b(?:low|medium|high|pass|fail)\b", text)


def test_an_evaluation_names_its_items_by_title_not_id(page):
    _in_chinese(page)
    page.open("/admin/records/evaluation/")
    first = page.driver.find_elements(By.CSS_SELECTOR, "a[href*='/admin/records/evaluation/details/']")
    assert first
    page.open(first[0].get_attribute("href").split(page.server.base, 1)[-1])
    text = page.text()
    assert not RAW_FLOAT.search(text) and not re.search(r"#\d+", text)
