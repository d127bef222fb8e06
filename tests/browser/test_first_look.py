"""The first journey of a new user: sign in to the demo, read the outsourcing pack's lists in both languages."""
from __future__ import annotations


def test_sign_in_and_read_the_supplier_list_in_english_and_chinese(page):
    page.sign_in()
    page.open("/admin/")
    page.find(".rb-lang button")
    assert "Sign out" in page.text()
    page.switch_language()
    assert "退出" in page.text() or "登出" in page.text()
    page.switch_language()
    assert "Sign out" in page.text()


def test_a_wrong_password_is_refused_beside_the_form(page):
    page.open("/admin/login/")
    page.find("#email").send_keys("admin@example.com")
    page.find("#password").send_keys("not the password")
    page.find("form[action*='login'] button[type=submit]").click()
    assert page.find(".rb-login-error").text
