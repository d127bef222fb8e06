"""The menu lists record types by group, per request; the UI switches to Simplified Chinese."""
from __future__ import annotations

import re

from admin_helpers import create_type, page_text, post_form

from recordbase.context import platform
from recordbase.models import User


def menu_of(page: str) -> str:
    return page[page.index('<ul class="nav navbar-nav mr-auto">'):page.index('<ul class="nav navbar-nav navbar-right')]


def test_menu_lists_types_by_group(admin_client, sessions):
    assert "Procurement" not in menu_of(page_text(admin_client.get("/admin/")))
    create_type(sessions, {"name": "supplier", "label": "Supplier", "app": "Procurement"})
    create_type(sessions, {"name": "contract", "label": "Contract", "app": "Procurement"})
    create_type(sessions, {"name": "asset", "label": "Asset", "app": "IT"})
    create_type(sessions, {"name": "note", "label": "Note"})
    menu = menu_of(page_text(admin_client.get("/admin/")))
    groups = re.findall(r'data-toggle="dropdown" href="javascript:void\(0\)">\s*(?:<!--.*?-->)?\s*([^<]+?)\s*<i', menu, re.S)
    assert groups[:3] == ["IT", "Procurement", "Records"]  # then the platform's own menus (Access)
    assert set(groups[3:]) <= {"Access", "Settings"}
    procurement = menu[menu.index("Procurement"):menu.index("</ul>", menu.index("Procurement"))]
    assert "/admin/records/supplier/" in procurement and "/admin/records/contract/" in procurement
    assert "/admin/records/asset/" not in procurement
    assert "/admin/records/note/" in menu and "/admin/metamodel/" in menu
    # the records view itself never appears as a menu entry of its own
    assert "/admin/records/<" not in menu and ">Records</a>" not in menu


def test_menu_marks_the_current_type(admin_client, sessions):
    create_type(sessions, {"name": "supplier", "label": "Supplier", "app": "Procurement"})
    page = page_text(admin_client.get("/admin/records/supplier/"))
    assert re.search(r'class="dropdown-item active\s*"\s*href="/admin/records/supplier/"', page)


def test_chinese_ui_after_switching_language(app, admin_client, sessions, switch_language):
    create_type(sessions, {"name": "supplier", "label": "Supplier", "label_zh": "供应商", "app": "Procurement",
                           "fields": [{"name": "name", "label": "Name", "label_zh": "名称", "type": "text",
                                       "required": True},
                                      {"name": "ok", "label": "OK", "type": "boolean"}]})
    resp = switch_language(admin_client, "zh", headers={"Referer": "http://localhost/admin/records/supplier/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/records/supplier/"
    page = page_text(admin_client.get("/admin/records/supplier/"))
    assert "供应商" in page and "名称" in page
    assert "列表" in page and "创建" in page       # Flask-Admin's own strings
    assert "回收站" in page and "退出登录" in page   # ours
    assert "English" in page
    new = page_text(admin_client.get("/admin/records/supplier/new/"))
    assert "保存" in new
    resp = post_form(admin_client, "/admin/records/supplier/new/", {"name": ""})
    assert "该字段是必填字段" in page_text(resp)   # WTForms' message, in Chinese
    with platform(app).sessions() as s:
        assert s.query(User).filter_by(email="owner@example.com").one().locale == "zh"
    switch_language(admin_client, "en")
    assert "Trash" in page_text(admin_client.get("/admin/records/supplier/"))


def test_language_choice_is_kept_on_the_user(app, admin_client, owner, switch_language):
    switch_language(admin_client, "zh")
    other = app.test_client()
    from admin_helpers import csrf_token_from

    token = csrf_token_from(page_text(other.get("/admin/login/")))
    other.post("/admin/login/", data={"email": "owner@example.com", "password": "correct horse battery",
                                      "csrf_token": token})
    assert "首页" in page_text(other.get("/admin/"))


def test_unknown_language_is_404(admin_client, switch_language):
    assert switch_language(admin_client, "fr").status_code == 404


def test_the_language_switch_is_a_form_with_csrf(app, admin_client, switch_language):
    """A link (GET) could be followed from any other site's page: the switch is a POST with the token."""
    assert admin_client.get("/admin/lang/zh").status_code == 405
    assert admin_client.post("/admin/lang/zh").status_code == 400  # no CSRF token
    with platform(app).sessions() as s:
        assert s.query(User).filter_by(email="owner@example.com").one().locale != "zh"
    assert "首页" not in page_text(admin_client.get("/admin/"))
    # before signing in too: the sign-in page carries the form
    client = app.test_client()
    login = page_text(client.get("/admin/login/"))
    assert 'action="/admin/lang/zh"' in login and "简体中文</button>" in login
    resp = switch_language(client, "zh", headers={"Referer": "http://localhost/admin/login/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/login/"
    assert "登录" in page_text(client.get("/admin/login/"))


def test_flask_admins_own_messages_are_chinese_too(app, admin_client, sessions, switch_language):
    """Flask-Admin's compiled catalogue lacks some of its strings and its page-size menu is built
    as '{n} items': our additions to its catalogue fill them in."""
    create_type(sessions, {"name": "supplier", "label": "Supplier", "label_zh": "供应商",
                           "fields": [{"name": "name", "label": "Name", "type": "text", "required": True}]})
    switch_language(admin_client, "zh")
    page = page_text(post_form(admin_client, "/admin/records/supplier/new/", {"name": ""}))
    assert "创建记录失败。" in page and "Failed to create record" not in page
    listing = page_text(admin_client.get("/admin/records/supplier/"))
    assert "每页 50 条" in listing and "每页 100 条" in listing and "50 items" not in listing
    switch_language(admin_client, "en")
    assert "50 items" in page_text(admin_client.get("/admin/records/supplier/"))


def test_field_value_errors_are_in_the_users_language(app, admin_client, sessions, switch_language):
    """The field types' messages (recordbase.i18n.translate) follow the page's language."""
    create_type(sessions, {"name": "supplier", "label": "Supplier", "fields": [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "mail", "label": "Mail", "type": "email"},
        {"name": "stars", "label": "Stars", "type": "rating"}]})
    switch_language(admin_client, "zh")
    page = page_text(post_form(admin_client, "/admin/records/supplier/new/", {"name": "", "mail": "bad", "stars": "9"}))
    assert "“bad”不是有效的电子邮箱地址" in page and "必须是 0 到 5 之间的整数" in page
    switch_language(admin_client, "en")
    page = page_text(post_form(admin_client, "/admin/records/supplier/new/", {"name": "", "mail": "bad", "stars": "9"}))
    assert "&#39;bad&#39; is not a valid email address" in page and "must be a whole number from 0 to 5" in page


def test_metamodel_messages_name_things_by_their_chinese_labels(app, admin_client, sessions, switch_language):
    switch_language(admin_client, "zh")
    resp = post_form(admin_client, "/admin/metamodel/types/new/",
                     {"name": "supplier", "label": "Supplier", "label_zh": "供应商"})
    assert "“供应商”" in page_text(admin_client.get(resp.headers["Location"]))
    resp = post_form(admin_client, "/admin/metamodel/types/supplier/fields/new/?type=text",
                     {"name": "name", "label": "Name", "label_zh": "名称", "type": "text"})
    assert "字段“名称”已保存" in page_text(admin_client.get(resp.headers["Location"]))
    page = page_text(admin_client.get("/admin/metamodel/types/supplier/fields/name/edit/"))
    assert "编辑字段: 名称" in page or "编辑字段：名称" in page
