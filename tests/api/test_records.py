"""Records over the API: create, read (with backlinks), update, trash, restore, purge, field selection."""
from __future__ import annotations

from .helpers import OWNER_EMAIL, count, create, error, make_type, ok


def test_record_json_shape(api, supplier):
    rec = create(api, "supplier", name="Acme 供应", score=4.5, status="paused", since="2024-01-05", email="a@b.cn")
    assert set(rec) == {"id", "version", "created_at", "updated_at", "created_by", "updated_by", "fields"}
    assert rec["version"] == 1 and rec["created_by"] == OWNER_EMAIL
    assert rec["created_at"].endswith("+00:00")
    assert rec["fields"] == {"name": "Acme 供应", "score": 4.5, "status": "paused", "since": "2024-01-05",
                             "email": "a@b.cn"}
    got = ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))
    assert got["fields"] == rec["fields"] and got["backlinks"] == []


def test_choice_given_by_label_is_stored_as_value(api, supplier):
    rec = create(api, "supplier", name="A", status="暂停")
    assert rec["fields"]["status"] == "paused"


def test_update_changes_only_the_given_fields(api, supplier):
    rec = create(api, "supplier", name="Acme", score=1, email="a@b.cn")
    body = ok(api.patch(f"/api/v1/records/supplier/{rec['id']}", json={"fields": {"score": 2, "email": None},
                                                                      "version": 1}))
    assert body["version"] == 2
    assert body["fields"] == dict(rec["fields"], score=2, email=None)


def test_delete_moves_to_trash_and_restore_brings_back(api, supplier):
    rec = create(api, "supplier", name="Acme")
    keep = create(api, "supplier", name="Beta")
    gone = ok(api.delete(f"/api/v1/records/supplier/{rec['id']}"))
    assert gone["deleted_at"] and gone["id"] == rec["id"]
    error(api.get(f"/api/v1/records/supplier/{rec['id']}"), 404, "not_found")
    assert [r["id"] for r in ok(api.get("/api/v1/records/supplier"))["records"]] == [keep["id"]]
    trash = ok(api.get("/api/v1/records/supplier?trash=1"))["records"]
    assert [r["id"] for r in trash] == [rec["id"]] and trash[0]["deleted_at"]
    assert ok(api.get(f"/api/v1/records/supplier/{rec['id']}?trash=1"))["fields"]["name"] == "Acme"
    restored = ok(api.post(f"/api/v1/records/supplier/{rec['id']}/restore"))
    assert restored["fields"]["name"] == "Acme" and "deleted_at" not in restored
    assert count(api, "supplier") == 2


def test_delete_with_stale_version_is_409(api, supplier):
    rec = create(api, "supplier", name="Acme")
    ok(api.patch(f"/api/v1/records/supplier/{rec['id']}", json={"fields": {"score": 1}, "version": 1}))
    error(api.delete(f"/api/v1/records/supplier/{rec['id']}?version=1"), 409, "version_conflict")
    assert count(api, "supplier") == 1
    error(api.delete(f"/api/v1/records/supplier/{rec['id']}?version=abc"), 400, "bad_request")
    ok(api.delete(f"/api/v1/records/supplier/{rec['id']}?version=2"))
    assert count(api, "supplier") == 0


def test_purge_only_from_trash(api, supplier):
    rec = create(api, "supplier", name="Acme")
    error(api.delete(f"/api/v1/records/supplier/{rec['id']}?purge=1"), 409, "conflict")
    ok(api.delete(f"/api/v1/records/supplier/{rec['id']}"))
    assert ok(api.delete(f"/api/v1/records/supplier/{rec['id']}?purge=1"))["purged"] is True
    error(api.get(f"/api/v1/records/supplier/{rec['id']}?trash=1"), 404)
    assert count(api, "supplier", trash="1") == 0


def test_unknown_record_is_404(api, supplier):
    for call in (api.get("/api/v1/records/supplier/999"),
                 api.patch("/api/v1/records/supplier/999", json={"fields": {}, "version": 1}),
                 api.delete("/api/v1/records/supplier/999"), api.post("/api/v1/records/supplier/999/restore")):
        error(call, 404, "not_found")
    error(api.get("/api/v1/records/supplier/abc"), 404, "not_found")


def test_field_selection(api, supplier):
    rec = create(api, "supplier", name="Acme", score=3, email="a@b.cn")
    page = ok(api.get("/api/v1/records/supplier?fields=name,score"))
    assert page["records"][0]["fields"] == {"name": "Acme", "score": 3}
    assert ok(api.get(f"/api/v1/records/supplier/{rec['id']}?fields=email"))["fields"] == {"email": "a@b.cn"}
    err = error(api.get("/api/v1/records/supplier?fields=name,nope"), 400, "bad_request")
    assert err["details"] == {"fields": ["nope"]}


def test_links_and_backlinks(api, supplier):
    make_type(api, "contract", [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
        {"name": "backups", "label": "Backup suppliers", "type": "link",
         "options": {"target": "supplier", "many": True, "on_delete": "unlink"}}])
    acme, beta = create(api, "supplier", name="Acme"), create(api, "supplier", name="Beta")
    c1 = create(api, "contract", title="C1", supplier=acme["id"], backups=[beta["id"], acme["id"]])
    c2 = create(api, "contract", title="C2", supplier=acme["id"])
    assert c1["fields"]["supplier"] == acme["id"] and c1["fields"]["backups"] == [beta["id"], acme["id"]]
    back = ok(api.get(f"/api/v1/records/supplier/{acme['id']}"))["backlinks"]
    assert back == [{"type": "contract", "field": "supplier", "ids": [c1["id"], c2["id"]]},
                    {"type": "contract", "field": "backups", "ids": [c1["id"]]}]
    ok(api.delete(f"/api/v1/records/contract/{c2['id']}"))
    back = ok(api.get(f"/api/v1/records/supplier/{acme['id']}"))["backlinks"]
    assert back[0]["ids"] == [c1["id"]]
    err = error(api.delete(f"/api/v1/records/supplier/{acme['id']}"), 409, "restricted")
    assert err["details"]["linked_from"][0]["type"] == "contract"
    err = error(api.post("/api/v1/records/contract", json={"fields": {"title": "C3", "supplier": 999}}), 422)
    assert "supplier" in err["details"]
    page = ok(api.get("/api/v1/records/contract", query_string={
        "filter": f'{{"field": "backups", "op": "contains", "value": {beta["id"]}}}'}))
    assert [r["id"] for r in page["records"]] == [c1["id"]]


def test_field_names_that_shadow_schema_methods_work(api):
    make_type(api, "thing", [{"name": n, "label": n, "type": "text"} for n in ("load", "dump", "validate", "meta")])
    rec = create(api, "thing", load="a", dump="b", validate="c", meta="d")
    assert rec["fields"] == {"load": "a", "dump": "b", "validate": "c", "meta": "d"}
