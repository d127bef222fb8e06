"""The admin's public form builder: choose and order fields, settings, errors beside the field, link and QR."""
from __future__ import annotations

from access.helpers import csrf_token_from, ok, text


def post_builder(client, url, data):
    body = {"csrf_token": csrf_token_from(text(client.get(url)))}
    body.update(data)
    return client.post(url, data=body)


BASE = {"title": "Report a problem", "title_zh": "报修", "use_summary": "y", "pos_summary": "2",
        "use_supplier": "y", "pos_supplier": "1", "use_photo": "y", "pos_photo": "3",
        "help_photo": "A photo, please", "help_zh_photo": "请拍照", "enabled": "y", "prefill": "y",
        "upload_max_mb": "2", "upload_types": "image/*, .pdf", "max_submissions": "50",
        "opens_at": "2026-01-01T08:00", "thank_you": "Thanks", "redirect_url": "https://example.com/done"}


def test_build_a_form_in_the_admin(app, api, admin_client, world):
    index = text(admin_client.get("/admin/forms/"))
    assert "/admin/forms/incident/new/" in index
    # a link without its view: told beside the field, nothing saved
    resp = post_builder(admin_client, "/admin/forms/incident/new/", BASE)
    assert resp.status_code == 422 and "Choose the saved view" in text(resp)
    assert ok(api.get("/api/v1/types/incident/forms"))["forms"] == []
    resp = post_builder(admin_client, "/admin/forms/incident/new/", {**BASE, "view_supplier": "Active suppliers"})
    assert resp.status_code == 302, text(resp)[-3000:]
    made = ok(api.get("/api/v1/types/incident/forms"))["forms"][0]
    assert made["fields"] == ["supplier", "summary", "photo"] and made["title_zh"] == "报修"
    s = made["settings"]
    assert s["link_views"] == {"supplier": "Active suppliers"} and s["help"]["photo"] == {"en": "A photo, please",
                                                                                           "zh": "请拍照"}
    assert s["uploads"] == {"max_size_mb": 2.0, "allowed_types": ["image/*", ".pdf"]} and s["max_submissions"] == 50
    assert s["prefill"] is True and s["opens_at"] == "2026-01-01T08:00"
    edit = text(admin_client.get(resp.headers["Location"]))
    assert made["url"] in edit and 'class="rb-qr' in edit and "qrcode-generator-2.0.4/qrcode.js" in edit
    assert 'value="A photo, please"' in edit
    # the public page follows: the supplier first, the photo's help
    page = text(app.test_client().get(made["url"]))
    assert page.index("f_supplier") < page.index("f_summary") < page.index("f_photo") and "A photo, please" in page
    # edit: drop the photo, a required field cannot be dropped
    url = resp.headers["Location"]
    resp = post_builder(admin_client, url, {**BASE, "view_supplier": "Active suppliers", "use_summary": ""})
    assert resp.status_code == 422 and "A required field must be on the form" in text(resp)
    data = {k: v for k, v in BASE.items() if k != "use_photo"}
    resp = post_builder(admin_client, url, {**data, "view_supplier": "Active suppliers"})
    assert resp.status_code == 302
    assert ok(api.get(f"/api/v1/forms/{made['id']}"))["fields"] == ["supplier", "summary"]


def test_builder_needs_configure_and_speaks_chinese(app, admin_client, world, sessions, switch_language):
    from access.helpers import sign_in
    from recordbase.auth import create_user

    with sessions.begin() as s:
        create_user(s, "ed@example.com", "a long enough password", role="editor")
    editor = sign_in(app, "ed@example.com")
    assert editor.get("/admin/forms/incident/new/").status_code == 404
    assert "/admin/forms/incident/new/" not in text(editor.get("/admin/forms/"))
    switch_language(admin_client, "zh")
    page = text(admin_client.get("/admin/forms/incident/new/"))
    assert "新建公开表单" in page and "在表单中" in page and "可选记录来自视图" in page and "Position" not in page
    resp = post_builder(admin_client, "/admin/forms/incident/new/", {**BASE, "use_supplier": ""})
    assert resp.status_code == 302
