"""The admin's template pack catalogue: list, preview, install with sample data, the bilingual menu, uninstall."""
from __future__ import annotations

import re

from sqlalchemy import select

from recordbase.models import RecordTypeModel


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def _menu(html: str) -> str:
    return html[html.index('<ul class="nav navbar-nav mr-auto">'):html.index('<ul class="nav navbar-nav navbar-right')]


def test_catalogue_preview_install_and_uninstall(admin_client, sessions, switch_language):
    page = admin_client.get("/admin/packs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for pid in ("outsourcing", "crm", "equipment", "helpdesk"):
        assert f'data-pack="{pid}"' in html
    assert "Service outsourcing" in html and "Include sample data" in html and "Not installed" in html
    preview = admin_client.get("/admin/packs/outsourcing/").get_data(as_text=True)
    assert 'data-type="supplier"' in preview and "service_category" in preview and "Sample records: 12" in preview
    assert "Failed inspection opens a corrective action" in preview and "Expiring in 90 days" in preview
    assert admin_client.get("/admin/packs/nope/").status_code == 404

    resp = admin_client.post("/admin/packs/crm/install/", data={"csrf_token": _csrf(html), "sample_data": "1"})
    assert resp.status_code == 302
    page = admin_client.get("/admin/packs/").get_data(as_text=True)
    assert "Installed crm 1.0.0" in page and "Installed 1.0.0" in page
    with sessions() as s:
        assert {"company", "contact", "opportunity", "activity"} <= set(s.scalars(select(RecordTypeModel.name)))
    records = admin_client.get("/admin/records/opportunity/").get_data(as_text=True)
    assert "Cloud migration" in records

    # the menu group is the pack's app: English, and Chinese after switching
    en = _menu(admin_client.get("/admin/").get_data(as_text=True))
    assert "CRM" in en and "客户管理" not in en and "Opportunity" in en
    switch_language(admin_client, "zh")
    zh = admin_client.get("/admin/").get_data(as_text=True)
    assert "客户管理" in _menu(zh) and "商机" in _menu(zh)
    catalogue_zh = admin_client.get("/admin/packs/").get_data(as_text=True)
    assert "服务类外包管理" in catalogue_zh and "包含示例数据" in catalogue_zh
    switch_language(admin_client, "en")

    resp = admin_client.post("/admin/packs/crm/uninstall/", data={"csrf_token": _csrf(page)})
    assert resp.status_code == 302
    with sessions() as s:
        live = set(s.scalars(select(RecordTypeModel.name).where(RecordTypeModel.deleted_at.is_(None))))
    assert not {"company", "opportunity"} & live
    assert "Uninstalled" in admin_client.get("/admin/packs/").get_data(as_text=True)


def test_viewers_do_not_see_the_catalogue(app, sessions):
    from recordbase.auth import create_user

    with sessions.begin() as s:
        create_user(s, "viewer@example.com", "correct horse battery", role="viewer")
    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    client.post("/admin/login/", data={"email": "viewer@example.com", "password": "correct horse battery",
                                       "csrf_token": _csrf(page)})
    assert client.get("/admin/packs/").status_code == 403
