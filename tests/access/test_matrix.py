"""The permission matrix: every surface × every permission × allowed/denied.

For each action, a user holds a custom role with ``read`` plus that action (allowed) or
``read`` alone (denied; for ``read`` itself: no right at all). Each surface that can do
the action is tried: the REST API, OpenAPI, the admin pages and the admin menu.
"""
from __future__ import annotations

import io

import pytest

from recordbase.access.roles import ACTIONS
from recordbase.auth import create_token, create_user

from .helpers import PASSWORD, err, make_type, ok, page_csrf, sign_in, text

ITEM_FIELDS = [{"name": "name", "label": "Name", "type": "text", "required": True},
               {"name": "note", "label": "Note", "type": "text"}]


@pytest.fixture
def matrix(request, app, sessions, api):
    action, allowed = request.param
    make_type(api, "item", ITEM_FIELDS)
    make_type(api, "other", ITEM_FIELDS)
    ids = [ok(api.post("/api/v1/records/item", json={"fields": {"name": f"Item {i}"}}), 201)["id"] for i in range(3)]
    base = ["read", "create"] if action == "import" else ["read"]  # imported records are created: import needs create too
    if action == "read":
        actions = ["read"] if allowed else []
    else:
        actions = base + [action] if allowed else base
    perms = {"item": {"actions": actions}}
    ok(api.post("/api/v1/roles", json={"name": "tester", "label": "Tester", "permissions": perms}), 201)
    with sessions.begin() as s:
        u = create_user(s, "tester@example.com", PASSWORD, role="tester")
        token = create_token(s, u)
    client = type(api)(app.test_client(), token)
    return {"action": action, "allowed": allowed, "api": client, "owner": api, "ids": ids,
            "admin": sign_in(app, "tester@example.com")}


CASES = [(a, allowed) for a in ACTIONS for allowed in (True, False)]
IDS = [f"{a}-{'allowed' if allowed else 'denied'}" for a, allowed in CASES]


def expect(resp, allowed: bool, ok_status: int = 200):
    if allowed:
        assert resp.status_code == ok_status, (resp.status_code, resp.get_data(as_text=True)[:800])
    else:
        err(resp, 403, "forbidden")


@pytest.mark.parametrize("matrix", CASES, ids=IDS, indirect=True)
def test_api_surface(matrix):
    action, allowed, api, rid = matrix["action"], matrix["allowed"], matrix["api"], matrix["ids"][0]
    if action == "read":
        expect(api.get("/api/v1/records/item"), allowed)
        expect(api.get(f"/api/v1/records/item/{rid}"), allowed)
        expect(api.get(f"/api/v1/records/item/{rid}/history"), allowed)
        names = [t["name"] for t in ok(api.get("/api/v1/types"))["types"]]
        assert ("item" in names) is allowed and "other" not in names
        paths = ok(api.get("/api/v1/openapi.json"))["paths"]
        assert ("/api/v1/records/item" in paths) is allowed and "/api/v1/records/other" not in paths
        if not allowed:
            err(api.get("/api/v1/types/item"), 404)
    elif action == "create":
        expect(api.post("/api/v1/records/item", json={"fields": {"name": "New"}}), allowed, 201)
        expect(api.post("/api/v1/records/item/batch", json={"records": [{"fields": {"name": "B"}}]}), allowed, 201)
        ops = ok(api.get("/api/v1/openapi.json"))["paths"]["/api/v1/records/item"]
        assert ("post" in ops) is allowed
    elif action == "update":
        expect(api.patch(f"/api/v1/records/item/{rid}", json={"fields": {"note": "x"}, "version": 1}), allowed)
        ops = ok(api.get("/api/v1/openapi.json"))["paths"]["/api/v1/records/item/{id}"]
        assert ("patch" in ops) is allowed
    elif action == "delete":
        expect(api.delete(f"/api/v1/records/item/{rid}"), allowed)
        if allowed:
            ok(api.post(f"/api/v1/records/item/{rid}/restore"))
        else:
            matrix["owner"].delete(f"/api/v1/records/item/{rid}")
            expect(api.post(f"/api/v1/records/item/{rid}/restore"), False)
        ops = ok(api.get("/api/v1/openapi.json"))["paths"]["/api/v1/records/item/{id}"]
        assert ("delete" in ops) is allowed
    elif action == "export":
        expect(api.get("/api/v1/records/item/export?format=csv"), allowed)
        expect(api.get("/api/v1/records/item/export?format=xlsx"), allowed)
    elif action == "import":
        data = {"file": (io.BytesIO(b"name,note\nImported,x\n"), "items.csv")}
        resp = api.client.post("/api/v1/records/item/import", data=data, headers={"Authorization": f"Bearer {api.token}"},
                               content_type="multipart/form-data")
        expect(resp, allowed)
    elif action == "configure":
        expect(api.post("/api/v1/types/item/fields", json={"name": "extra", "label": "Extra", "type": "text"}),
               allowed, 201)
        expect(api.patch("/api/v1/types/item", json={"label": "Items"}), allowed)
        expect(api.post("/api/v1/types/item/forms", json={"title": "Tell us", "fields": ["name"]}), allowed, 201)
        err(api.post("/api/v1/types", json={"name": "new_type", "label": "New"}), 403, "forbidden")  # per type only
    # whatever the role, other types stay out of reach
    err(api.get("/api/v1/records/other"), 403, "forbidden")
    err(api.post("/api/v1/records/other", json={"fields": {"name": "x"}}), 403, "forbidden")


@pytest.mark.parametrize("matrix", CASES, ids=IDS, indirect=True)
def test_admin_surface(matrix):
    action, allowed, client, rid = matrix["action"], matrix["allowed"], matrix["admin"], matrix["ids"][0]
    base = "/admin/records/item"

    def status(resp, ok_statuses=(200,)):
        if allowed:
            assert resp.status_code in ok_statuses, (resp.status_code, text(resp)[:500])
        else:
            assert resp.status_code == 403, (resp.status_code, text(resp)[:500])

    home = text(client.get("/admin/"))
    if action == "read":
        status(client.get(f"{base}/"))
        status(client.get(f"{base}/details/?id={rid}"))
        status(client.get(f"{base}/?search=Item"))
        assert (f'href="{base}/"' in home) is allowed
    elif action == "create":
        status(client.get(f"{base}/new/"))
        if allowed:
            token = page_csrf(client, f"{base}/new/")
            resp = client.post(f"{base}/new/", data={"name": "Made in admin", "csrf_token": token})
            assert resp.status_code == 302
            assert "Made in admin" in text(client.get(f"{base}/"))
        else:
            assert f"{base}/new/" not in text(client.get(f"{base}/"))
    elif action == "update":
        status(client.get(f"{base}/edit/?id={rid}"))
        if allowed:
            token = page_csrf(client, f"{base}/edit/?id={rid}")
            resp = client.post(f"{base}/edit/?id={rid}", data={"name": "Renamed", "RB_VERSION": "1", "csrf_token": token})
            assert resp.status_code == 302, text(resp)[:800]
            assert ok(matrix["owner"].get(f"/api/v1/records/item/{rid}"))["fields"]["name"] == "Renamed"
    elif action == "delete":
        token = page_csrf(client, f"{base}/")
        resp = client.post(f"{base}/delete/", data={"id": str(rid), "csrf_token": token})
        status(resp, (302,))
        gone = matrix["owner"].get(f"/api/v1/records/item/{rid}").status_code == 404
        assert gone is allowed
    elif action == "export":
        status(client.get(f"{base}/export/csv/"))
        assert (f"{base}/export/csv/" in text(client.get(f"{base}/"))) is allowed
    elif action == "import":
        pass  # the admin import page goes through the same run_import, checked on the API surface
    elif action == "configure":
        resp = client.get("/admin/metamodel/")
        assert resp.status_code == 403  # the metamodel pages need configure on every type (owners, builders)
    # the other type is never in the menu nor reachable
    assert 'href="/admin/records/other/"' not in home
    assert client.get("/admin/records/other/").status_code == 403
