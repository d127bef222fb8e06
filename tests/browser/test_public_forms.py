"""Public forms and comments in a real browser: a form built in the admin and answered from a phone with a
photo; an @mention on a record reaching the mentioned user's inbox."""
from __future__ import annotations

import json
import struct
import urllib.request
import zlib


def _png(path) -> None:
    """A small valid PNG (a 2×2 grey square), as a phone's photo would be."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + b"\x80\x80\x80" * 2 for _ in range(2))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _api(live_server, path: str) -> dict:
    token = live_server.cli("tokens", "create", "--email", "admin@example.com").stdout.split()[-1]
    req = urllib.request.Request(live_server.url(path), headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_a_form_built_in_the_admin_is_answered_from_a_phone_with_a_photo(page, browser, live_server, tmp_path):
    from selenium.webdriver.support.ui import Select

    page.sign_in()
    page.open("/admin/forms/inspection/new/")
    page.find("#title").clear()
    page.find("#title").send_keys("Report a cleaning problem")
    for name in ("use_supplier", "use_notes", "use_photos"):
        box = page.find(f"#{name}")
        if not box.is_selected():
            box.click()
    Select(page.find("#view_supplier")).select_by_visible_text("Active suppliers")
    page.find("#help_photos").send_keys("Take a photo of the problem")
    page.find("form.rb-form-builder button[type=submit]").click()
    page.wait(lambda d: d.find_elements("css selector", ".rb-qr img"))  # the link's QR code was drawn
    link = page.find("#rb-form-link").get_attribute("value")
    assert "/f/" in link

    browser.delete_all_cookies()  # a stranger, on a phone
    browser.set_window_size(390, 844)
    browser.get(link)
    supplier = Select(page.find("#f_supplier"))
    names = [o.text for o in supplier.options if o.get_attribute("value")]
    assert len(names) > 1 and all(names)
    word = names[-1].split()[0]
    page.find(".rb-link-search").send_keys(word)  # the title search narrows the list
    page.wait(lambda d: all(word.lower() in o.text.lower()
                            for o in Select(d.find_element("css selector", "#f_supplier")).options
                            if o.get_attribute("value")))
    supplier = Select(page.find("#f_supplier"))
    if not supplier.first_selected_option.get_attribute("value"):
        supplier.select_by_index(1)
    page.find("#f_notes").send_keys("The stairs were not cleaned")
    photo = tmp_path / "stairs.png"
    _png(photo)
    browser.find_element("css selector", "#f_photos").send_keys(str(photo))
    assert "Take a photo of the problem" in page.text()
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, "the form fits a phone's width"
    page.find("button[type=submit]").click()
    assert page.find(".rb-form-thanks").text

    latest = _api(live_server, "/api/v1/records/inspection?sort=-id&limit=1")["records"][0]["fields"]
    assert latest["notes"] == "The stairs were not cleaned" and latest["photos"][0]["name"] == "stairs.png"
    assert latest["supplier"] is not None


def test_an_at_mention_reaches_the_inbox(page, browser, live_server):
    live_server.cli("users", "create", "--email", "mia@example.com", "--password", "mia's long password",
                    "--role", "viewer", "--display-name", "Mia")
    page.sign_in()
    page.open("/admin/records/supplier/details/?id=1")
    page.find("#rb-comment-body").send_keys("@mia@example.com could you check this supplier's badge list?")
    page.find("form.rb-comment-form button[type=submit]").click()
    page.wait(lambda d: "badge list" in page.find(".rb-activity").text)
    browser.delete_all_cookies()
    page.sign_in("mia@example.com", "mia's long password")
    page.open("/admin/inbox/")
    text = page.text()
    assert "mentioned you" in text and "badge list" in text


def _post(live_server, path: str, body: dict) -> dict:
    token = live_server.cli("tokens", "create", "--email", "admin@example.com").stdout.split()[-1]
    req = urllib.request.Request(live_server.url(path), data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _shown(page, input_id: str) -> bool:
    return page.driver.execute_script(
        "var box = document.getElementById(arguments[0]).closest('.form-group');"
        "return box.style.display !== 'none';", input_id)


def test_a_public_form_shows_a_field_when_a_choice_is_picked_and_requires_it(page, browser, live_server):
    """On a phone: the mitigation plan appears when a treatment that needs one is picked and becomes required
    while the risk is being mitigated (the admin's form does the same); the server refuses it empty, beside
    the field, and the page in Chinese words the same, with the empty title's problem in the same round."""
    from selenium.webdriver.support.ui import Select

    form = _post(live_server, "/api/v1/types/risk/forms", {
        "title": "Report a risk", "title_zh": "报告风险",
        "fields": ["title", "treatment", "status", "mitigation_plan"]})
    browser.set_window_size(390, 844)
    page.open(form["url"])
    page.find("#f_title").send_keys("Night guards keep leaving")
    assert not _shown(page, "f_mitigation_plan")
    Select(page.find("#f_treatment")).select_by_value("reduce")
    page.wait(lambda d: _shown(page, "f_mitigation_plan"))
    plan = page.find("#f_mitigation_plan")
    assert plan.get_attribute("required") is None
    Select(page.find("#f_status")).select_by_value("mitigating")
    page.wait(lambda d: plan.get_attribute("required") is not None)
    assert page.all("label[for=f_mitigation_plan] .rb-cond-star")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, "the form fits a phone's width"
    page.find("button[type=submit]").click()  # (the form posts unchecked: the server is the rule)
    feedback = page.find(".invalid-feedback")
    assert "is required when Status = Mitigating" in feedback.text
    assert _shown(page, "f_mitigation_plan")  # the refused page keeps the answers, and the field shown
    page.find("#f_mitigation_plan").send_keys("Pay the night shift premium")
    page.find("button[type=submit]").click()
    assert page.find(".rb-form-thanks").text

    page.open(form["url"] + "?lang=zh")
    assert "报告风险" in page.text()
    Select(page.find("#f_treatment")).select_by_value("accept")
    assert not _shown(page, "f_mitigation_plan")
    Select(page.find("#f_treatment")).select_by_value("transfer")
    Select(page.find("#f_status")).select_by_value("mitigating")
    page.find("button[type=submit]").click()  # the title left empty too: both problems in one round
    page.find(".invalid-feedback")
    feedback = [el.text for el in page.all(".invalid-feedback")]  # the title's, then the plan's
    assert len(feedback) == 2 and feedback[0] and "在 状态 等于 缓解中 时必填" in feedback[1], feedback
    page.find("#f_title").send_keys("保安流失")
    page.find("#f_mitigation_plan").send_keys("夜班补贴")
    page.find("button[type=submit]").click()
    assert page.find(".rb-form-thanks").text
