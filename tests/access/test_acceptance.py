"""Issue 6's acceptance, tried as a new Owner would: everything set up through the admin pages.

The Owner makes a role "Manager viewer" (reads suppliers they manage, reads contracts with the
price hidden) and a user holding it, both with the admin forms; the user signs in with the
sign-in form and sees only their suppliers and never the price, anywhere; edits are refused;
the audit log shows what happened; a supplier submits a public feedback form without an account.
"""
from __future__ import annotations

import csv
import io
import re

from .helpers import (CONTRACT_FIELDS, PASSWORD, SUPPLIER_FIELDS, csrf_token_from, err, make_type, ok, page_csrf,
                       sign_in, strip_tags, text)

PRICE = "987654.32"


def _no_price(body: str) -> None:
    assert "987654" not in body and "987,654" not in body and "Contract price" not in body and "合同价格" not in body


def test_owner_sets_up_a_limited_viewer_in_the_admin(app, api, admin_client):
    make_type(api, "supplier", SUPPLIER_FIELDS)
    make_type(api, "contract", CONTRACT_FIELDS)

    # 1. the role, with the admin's role form
    token = page_csrf(admin_client, "/admin/roles/edit/")
    form_page = text(admin_client.get("/admin/roles/edit/"))
    assert 'value="user:manager"' in form_page  # "records where Manager is them" is offered
    resp = admin_client.post("/admin/roles/edit/", data={
        "csrf_token": token, "name": "manager_viewer", "label": "Manager viewer", "label_zh": "负责人查看",
        "p[supplier][read]": "1", "p[supplier][export]": "1", "p[supplier][rows]": "user:manager",
        "p[contract][read]": "1", "p[contract][export]": "1", "p[contract][rows]": "all",
        "p[contract][hidden]": "value", "p[*][rows]": "all"})
    assert resp.status_code in (302, 303), text(resp)[:800]
    role = ok(api.get("/api/v1/roles/manager_viewer"))
    assert role["permissions"]["supplier"] == {"actions": ["read", "export"],
                                               "rows": {"field": "manager", "op": "eq", "value": "@me"}}
    assert role["permissions"]["contract"]["hidden_fields"] == ["value"]

    # 2. the user, with the admin's user form
    token = page_csrf(admin_client, "/admin/users/")
    resp = admin_client.post("/admin/users/new/", data={
        "csrf_token": token, "email": "mia@example.com", "display_name": "Mia", "roles": "manager_viewer",
        "password": PASSWORD})
    assert resp.status_code in (302, 303), text(resp)[:800]
    assert "mia@example.com" in text(admin_client.get("/admin/users/"))

    # 3. data: two suppliers of hers, one of someone else, a priced contract each
    def supplier(name, manager):
        return ok(api.post("/api/v1/records/supplier", json={"fields": {"name": name, "manager": manager}}), 201)["id"]

    mine, also_mine, other = supplier("Acme", "mia@example.com"), supplier("Anchor", "mia@example.com"), \
        supplier("Bolt", "owner@example.com")
    contract = ok(api.post("/api/v1/records/contract", json={"fields": {
        "title": "Cleaning 2027", "supplier": mine, "value": PRICE}}), 201)
    ok(api.post("/api/v1/records/contract", json={"fields": {"title": "Other", "supplier": other, "value": "1"}}), 201)
    ok(api.patch(f"/api/v1/records/contract/{contract['id']}",
                 json={"fields": {"value": "987654.33", "title": "Cleaning 2027/28"}, "version": contract["version"]}))

    # 4. she signs in with the sign-in form: the admin shows only her suppliers, never the price
    mia = sign_in(app, "mia@example.com")
    listing = text(mia.get("/admin/records/supplier/"))
    assert "Acme" in listing and "Anchor" in listing and "Bolt" not in listing
    for url in ("/admin/records/contract/", f"/admin/records/contract/details/?id={contract['id']}",
                "/admin/records/contract/export/csv/", f"/admin/records/supplier/details/?id={mine}"):
        resp = mia.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        _no_price(text(resp))
    assert "Cleaning 2027/28" in text(mia.get(f"/admin/records/contract/details/?id={contract['id']}"))
    assert mia.get(f"/admin/records/supplier/details/?id={other}").status_code in (302, 404)
    export = text(mia.get("/admin/records/supplier/export/csv/")).lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(export)))
    assert sorted(r[header.index("Name")] for r in rows) == ["Acme", "Anchor"]

    # ... and a 403 when she tries to edit, in the admin and over the API
    assert mia.get(f"/admin/records/supplier/edit/?id={mine}").status_code == 403
    assert mia.get(f"/admin/records/contract/edit/?id={contract['id']}").status_code == 403
    csrf = page_csrf(mia, "/admin/records/supplier/")
    assert mia.post(f"/admin/records/supplier/edit/?id={mine}",
                    data={"name": "Hacked", "RB_VERSION": "1", "csrf_token": csrf}).status_code == 403

    # 5. the same over the API with her own token: only her rows, no price in records, history, OpenAPI
    made = ok(_api_for(app, api, "mia@example.com").post("/api/v1/tokens", json={"name": "laptop"}), 201)
    mine_api = type(api)(app.test_client(), made["token"])
    assert sorted(r["fields"]["name"] for r in ok(mine_api.get("/api/v1/records/supplier"))["records"]) == \
        ["Acme", "Anchor"]
    err(mine_api.get(f"/api/v1/records/supplier/{other}"), 404)
    for url in ("/api/v1/records/contract", f"/api/v1/records/contract/{contract['id']}",
                f"/api/v1/records/contract/{contract['id']}/history", "/api/v1/records/contract/export?format=csv",
                "/api/v1/openapi.json"):
        resp = mine_api.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        _no_price(resp.get_data(as_text=True))
        assert '"value"' not in resp.get_data(as_text=True) or url.endswith("openapi.json")
    history = ok(mine_api.get(f"/api/v1/records/contract/{contract['id']}/history"))["history"]
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["changes"] == {"title": ["Cleaning 2027", "Cleaning 2027/28"]}
    err(mine_api.patch(f"/api/v1/records/supplier/{mine}", json={"fields": {"name": "X"}, "version": 1}), 403,
        "forbidden")
    err(mine_api.post("/api/v1/records/supplier", json={"fields": {"name": "New"}}), 403, "forbidden")
    assert ok(api.get(f"/api/v1/records/supplier/{mine}"))["fields"]["name"] == "Acme"

    # a token she makes read-only cannot write even what a wider role would allow
    ro = ok(mine_api.post("/api/v1/tokens", json={"name": "read only", "read_only": True}), 201)
    err(type(api)(app.test_client(), ro["token"]).post("/api/v1/tokens", json={"name": "x"}), 403)

    # 6. the audit log (Owner only) shows the role, the user and her sign-in
    audit = text(admin_client.get("/admin/audit/"))
    for needle in ("role.create", "manager_viewer", "user.create", "mia@example.com", "sign_in"):
        assert needle in audit, needle
    events = ok(api.get("/api/v1/audit?user=mia@example.com"))["events"]
    assert "sign_in" in {e["action"] for e in events}
    assert mia.get("/admin/audit/").status_code in (302, 403)
    err(mine_api.get("/api/v1/audit"), 403)


def _api_for(app, api, email: str):
    """An API client for ``email`` made by the owner through the users API (a token on their behalf)."""
    from recordbase.auth import create_token, find_user
    from recordbase.context import platform

    with platform(app).sessions.begin() as s:
        token = create_token(s, find_user(s, email), name="setup")
    return type(api)(app.test_client(), token)


def test_supplier_submits_public_feedback_without_an_account(app, api, admin_client):
    make_type(api, "feedback", [
        {"name": "supplier_name", "label": "Supplier", "label_zh": "供应商", "type": "text", "required": True},
        {"name": "comment", "label": "Comment", "label_zh": "意见", "type": "long_text"}])
    form = ok(api.post("/api/v1/types/feedback/forms", json={
        "title": "Supplier feedback", "title_zh": "供应商反馈", "fields": ["supplier_name", "comment"],
        "thank_you": "Thank you", "thank_you_zh": "谢谢"}), 201)
    visitor = app.test_client()
    page = visitor.get(form["url"], headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "供应商反馈" in text(page)
    resp = visitor.post(form["url"], data={"csrf_token": csrf_token_from(text(page)), "f_supplier_name": "Acme 保洁",
                                           "f_comment": "<b>fine</b>"}, headers={"Accept-Language": "zh-CN"})
    assert resp.status_code == 200 and "谢谢" in text(resp)
    records = ok(api.get("/api/v1/records/feedback"))["records"]
    assert [(r["fields"]["supplier_name"], r["fields"]["comment"]) for r in records] == [("Acme 保洁", "<b>fine</b>")]
    listing = text(admin_client.get("/admin/records/feedback/"))
    assert "Acme 保洁" in strip_tags(listing) and "<b>fine</b>" not in listing
    assert not re.search(r"/f/[A-Za-z0-9_-]{40,}", text(visitor.get("/admin/records/feedback/")))
