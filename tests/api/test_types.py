"""Record types over the API: create (with a Chinese label), read, change, trash, restore, purge."""
from __future__ import annotations

from .helpers import SUPPLIER_FIELDS, create, error, ok


def test_create_type_with_chinese_label(api):
    body = ok(api.post("/api/v1/types", json={"name": "supplier", "label": "Supplier", "label_zh": "供应商",
                                              "app": "Sourcing", "description": "Who we buy from"}), 201)
    assert body["name"] == "supplier" and body["label_zh"] == "供应商" and body["fields"] == []
    got = ok(api.get("/api/v1/types/supplier"))
    assert got["label"] == "Supplier" and got["label_zh"] == "供应商" and got["app"] == "Sourcing"
    assert [t["name"] for t in ok(api.get("/api/v1/types"))["types"]] == ["supplier"]
    # usable at once
    assert ok(api.get("/api/v1/records/supplier")) == {"records": [], "next_cursor": None}


def test_type_with_fields_in_one_request(api):
    body = ok(api.post("/api/v1/types", json={"name": "supplier", "label": "Supplier", "fields": SUPPLIER_FIELDS,
                                              "primary_field": "name"}), 201)
    assert [f["name"] for f in body["fields"]] == [f["name"] for f in SUPPLIER_FIELDS]
    assert body["primary_field"] == "name"
    got = ok(api.get("/api/v1/types/supplier"))
    assert isinstance(got["fields"], list)
    status = next(f for f in got["fields"] if f["name"] == "status")
    assert status["type"] == "single_select" and status["label_zh"] == "状态"
    assert status["options"]["choices"][1]["label_zh"] == "暂停"


def test_bad_type_payloads_are_refused_and_nothing_is_created(api):
    cases = [
        ({"label": "No name"}, 422, "name"),
        ({"name": "Bad Name", "label": "x"}, 422, "name"),
        ({"name": "id", "label": "reserved"}, 422, "name"),
        ({"name": "ok", "label": ""}, 422, "label"),
        ({"name": "ok", "label": "x", "colour": "red"}, 422, "colour"),
        ({"name": "ok", "label": "x", "fields": [{"name": "a", "label": "A", "type": "no_such_type"}]}, 422, "type"),
        ({"name": "ok", "label": "x", "fields": [{"name": "s", "label": "S", "type": "single_select"}]}, 422, "options"),
    ]
    for payload, status, key in cases:
        err = error(api.post("/api/v1/types", json=payload), status, "validation_error")
        assert key in err["details"], (payload, err)
    assert ok(api.get("/api/v1/types"))["types"] == []
    error(api.get("/api/v1/records/ok"), 404, "not_found")


def test_duplicate_type_is_a_conflict(api, supplier):
    error(api.post("/api/v1/types", json={"name": "supplier", "label": "Again"}), 409, "conflict")


def test_update_type_keeps_its_name(api, supplier):
    create(api, "supplier", name="Acme")
    body = ok(api.patch("/api/v1/types/supplier", json={"label": "Vendor", "label_zh": "供货商",
                                                         "primary_field": "name"}))
    assert body["label"] == "Vendor" and body["label_zh"] == "供货商" and body["name"] == "supplier"
    err = error(api.patch("/api/v1/types/supplier", json={"name": "vendor"}), 422, "validation_error")
    assert "name" in err["details"]
    error(api.patch("/api/v1/types/supplier", json={"primary_field": "nope"}), 404, "not_found")
    assert ok(api.get("/api/v1/types/supplier"))["primary_field"] == "name"
    assert ok(api.get("/api/v1/records/supplier"))["records"][0]["fields"]["name"] == "Acme"


def test_unknown_type_is_404(api):
    for call in (api.get("/api/v1/types/nope"), api.patch("/api/v1/types/nope", json={"label": "x"}),
                 api.delete("/api/v1/types/nope"), api.get("/api/v1/records/nope"),
                 api.post("/api/v1/records/nope", json={"fields": {}}), api.get("/api/v1/records/nope/1")):
        err = error(call, 404, "not_found")
        assert "nope" in err["message"]


def test_delete_restore_and_purge_a_type(api, supplier):
    rec = create(api, "supplier", name="Acme")
    gone = ok(api.delete("/api/v1/types/supplier"))
    assert gone["deleted_at"].endswith("+00:00")  # every time the API gives carries its offset
    error(api.get("/api/v1/types/supplier"), 404)
    error(api.get("/api/v1/records/supplier"), 404)
    assert [(t["name"], t["deleted_at"]) for t in ok(api.get("/api/v1/trash"))["types"]] == [("supplier", gone["deleted_at"])]
    ok(api.post("/api/v1/types/supplier/restore"))
    assert ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))["fields"]["name"] == "Acme"
    error(api.delete("/api/v1/types/supplier?purge=1"), 409, "conflict")  # not in the trash
    ok(api.delete("/api/v1/types/supplier"))
    assert ok(api.delete("/api/v1/types/supplier?purge=1"))["purged"] is True
    assert ok(api.get("/api/v1/trash"))["types"] == []
    ok(api.post("/api/v1/types", json={"name": "supplier", "label": "New"}), 201)


def test_type_linked_from_another_cannot_be_trashed(api, supplier):
    ok(api.post("/api/v1/types", json={"name": "contract", "label": "Contract", "fields": [
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}}]}), 201)
    err = error(api.delete("/api/v1/types/supplier"), 409, "restricted")
    assert err["details"]["linked_from"] == ["contract.supplier"]
    ok(api.get("/api/v1/types/supplier"))
