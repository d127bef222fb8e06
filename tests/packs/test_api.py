"""Packs and saved views over the REST API."""
from __future__ import annotations

import json

from recordbase.auth import create_token, create_user

from .packdata import mini_pack


def _install_mini(api, sample_data=True):
    resp = api.post("/api/v1/packs/install", {"manifest": mini_pack(), "sample_data": sample_data})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()


def test_catalogue_and_install_over_the_api(api):
    packs = api.get("/api/v1/packs").get_json()["packs"]
    ids = [p["id"] for p in packs]
    assert "outsourcing" in ids
    out = next(p for p in packs if p["id"] == "outsourcing")
    assert out["name_zh"] == "服务类外包管理" and out["installed"] is None and len(out["types"]) == 12
    detail = api.get("/api/v1/packs/outsourcing").get_json()
    supplier = next(t for t in detail["types"] if t["name"] == "supplier")
    assert any(f["name"] == "service_category" for f in supplier["fields"])
    assert api.get("/api/v1/packs/nope").status_code == 404
    report = _install_mini(api)
    assert report["mode"] == "install" and report["created"]["types"] == ["company", "deal"]
    assert report["records"] == {"company": 2, "deal": 2}
    again = api.post("/api/v1/packs/install", {"manifest": mini_pack(), "sample_data": True})
    assert again.status_code == 200 and again.get_json()["changed"] is False
    deals = api.get("/api/v1/records/deal?sort=title").get_json()["records"]
    assert [d["fields"]["title"] for d in deals] == ["Acme renewal", "Globex pilot"]


def test_a_broken_pack_is_refused_with_its_paths(api):
    p = mini_pack()
    p["types"][1]["fields"][1]["options"]["target"] = "firm"
    p["types"][1]["fields"][4]["options"]["expression"] = "{Amount} *"
    resp = api.post("/api/v1/packs/install", {"manifest": p})
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    paths = {e["path"] for e in err["details"]["errors"]}
    assert {"$.types[1].fields[1].options.target", "$.types[1].fields[4].options.expression"} <= paths
    assert api.get("/api/v1/types").get_json()["types"] == []


def test_export_and_uninstall_over_the_api(api):
    _install_mini(api)
    resp = api.post("/api/v1/packs/export", {"types": ["company", "deal"], "records": True, "id": "copy"})
    assert resp.status_code == 200
    pack = resp.get_json()["pack"]
    assert [t["name"] for t in pack["types"]] == ["company", "deal"] and pack["id"] == "copy"
    assert sum(len(s["records"]) for s in pack["sample_data"]) == 4
    resp = api.post("/api/v1/packs/mini/uninstall")
    assert resp.status_code == 200 and sorted(resp.get_json()["trashed_types"]) == ["company", "deal"]
    assert api.get("/api/v1/types").get_json()["types"] == []
    assert api.post("/api/v1/packs/mini/uninstall").status_code == 404


def test_viewers_cannot_install(app, sessions, api):
    with sessions.begin() as s:
        viewer = create_user(s, "viewer@example.com", "correct horse battery", role="viewer")
        token = create_token(s, viewer)
    resp = app.test_client().post("/api/v1/packs/install", json={"pack": "crm"},
                                  headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403


def test_saved_views_crud(api):
    _install_mini(api)
    views = api.get("/api/v1/views").get_json()["views"]
    assert [(v["type"], v["name"], v["name_zh"]) for v in views] == [("deal", "Big deals", "大额商机")]
    body = {"type": "deal", "name": "Won", "name_zh": "赢单", "filter": {"field": "stage", "op": "eq", "value": "won"},
            "sort": "-amount", "columns": ["title", "amount"]}
    resp = api.post("/api/v1/views", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    view = resp.get_json()
    assert view["filter"] == body["filter"] and view["columns"] == ["title", "amount"]
    got = api.get(f"/api/v1/records/deal?view={view['id']}").get_json()["records"]
    assert [r["fields"]["title"] for r in got] == ["Globex pilot"]
    got = api.get("/api/v1/records/deal?view=赢单").get_json()["records"]  # by the Chinese name too
    assert [r["fields"]["title"] for r in got] == ["Globex pilot"]
    # the view's filter and the request's filter both apply
    flt = json.dumps({"field": "amount", "op": "gt", "value": 5000})
    assert api.get(f"/api/v1/records/deal?view=Won&filter={flt}").get_json()["records"] == []
    resp = api.patch(f"/api/v1/views/{view['id']}", {"filter": {"field": "stage", "op": "eq", "value": "new"}})
    assert resp.status_code == 200 and resp.get_json()["name"] == "Won"
    got = api.get(f"/api/v1/records/deal?view={view['id']}").get_json()["records"]
    assert [r["fields"]["title"] for r in got] == ["Acme renewal"]
    assert api.get(f"/api/v1/views/{view['id']}").get_json()["sort"] == "-amount"
    assert api.delete(f"/api/v1/views/{view['id']}").status_code == 200
    assert api.get(f"/api/v1/views/{view['id']}").status_code == 404


def test_saved_view_errors(api):
    _install_mini(api)
    resp = api.post("/api/v1/views", {"type": "deal", "name": "Bad", "filter": {"field": "colour", "op": "eq", "value": 1},
                                      "sort": "-nothing", "columns": ["title", "zzz"]})
    assert resp.status_code == 422
    paths = {e["path"] for e in resp.get_json()["error"]["details"]["errors"]}
    assert paths == {"$.filter.field", "$.sort", "$.columns[1]"}
    assert api.post("/api/v1/views", {"type": "nope", "name": "X"}).status_code == 422
    assert api.post("/api/v1/views", {"type": "deal", "name": "Big deals"}).status_code == 409
    view = api.get("/api/v1/views?type=deal").get_json()["views"][0]
    assert api.patch(f"/api/v1/views/{view['id']}", {"type": "company"}).status_code == 422
    assert api.get("/api/v1/records/deal?view=unknown").status_code == 404
