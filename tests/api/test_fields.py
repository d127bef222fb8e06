"""Fields over the API: add (usable at once), relabel, convert (409 then force), trash, restore, order."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from .helpers import create, error, ok


def test_add_each_acceptance_field_type(api):
    ok(api.post("/api/v1/types", json={"name": "supplier", "label": "Supplier", "label_zh": "供应商"}), 201)
    specs = [("name", "text", {}), ("score", "number", {}), ("status", "single_select", {"choices": ["a", "b"]}),
             ("since", "date", {}), ("email", "email", {})]
    for name, ftype, options in specs:
        body = ok(api.post("/api/v1/types/supplier/fields",
                           json={"name": name, "label": name.title(), "type": ftype, "options": options}), 201)
        assert body["name"] == name and body["type"] == ftype and body["read_only"] is False
    assert [f["name"] for f in ok(api.get("/api/v1/types/supplier"))["fields"]] == [s[0] for s in specs]
    rec = create(api, "supplier", name="Acme", score=7, status="b", since="2024-02-29", email="a@acme.test")
    assert rec["fields"] == {"name": "Acme", "score": 7, "status": "b", "since": "2024-02-29", "email": "a@acme.test"}


def test_field_added_is_usable_at_once(api, supplier):
    first = create(api, "supplier", name="Acme")
    ok(api.post("/api/v1/types/supplier/fields", json={"name": "city", "label": "City", "label_zh": "城市",
                                                       "type": "text", "indexed": True}), 201)
    rec = create(api, "supplier", name="Beta", city="上海")
    assert rec["fields"]["city"] == "上海"
    assert ok(api.get(f"/api/v1/records/supplier/{first['id']}"))["fields"]["city"] is None
    page = ok(api.get("/api/v1/records/supplier", query_string={
        "filter": '{"field": "city", "op": "eq", "value": "上海"}', "sort": "-city"}))
    assert [r["id"] for r in page["records"]] == [rec["id"]]


def test_bad_field_payloads(api, supplier):
    cases = [
        ({"name": "x", "label": "X"}, 422, "type"),
        ({"name": "X y", "label": "X", "type": "text"}, 422, "name"),
        ({"name": "version", "label": "X", "type": "text"}, 422, "name"),
        ({"name": "x", "label": "X", "type": "rocket"}, 422, "type"),
        ({"name": "x", "label": "X", "type": "number", "options": {"precision": "two"}}, 422, "options"),
        ({"name": "x", "label": "X", "type": "link", "options": {"target": "nope"}}, 422, "options"),
        ({"name": "x", "label": "X", "type": "text", "default": ["a"]}, 422, "default"),
        ({"name": "name", "label": "Again", "type": "text"}, 409, "name"),
    ]
    for payload, status, key in cases:
        err = error(api.post("/api/v1/types/supplier/fields", json=payload), status)
        assert key in err["details"], (payload, err)
    assert len(ok(api.get("/api/v1/types/supplier"))["fields"]) == 5
    error(api.post("/api/v1/types/nope/fields", json={"name": "x", "label": "X", "type": "text"}), 404)


def test_relabel_keeps_api_name_and_data(api, supplier):
    rec = create(api, "supplier", name="Acme", score=12)
    body = ok(api.patch("/api/v1/types/supplier/fields/score", json={"label": "Rating points", "label_zh": "评分"}))
    assert body["name"] == "score" and body["label"] == "Rating points" and body["conversion"] is None
    got = ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))
    assert got["fields"]["score"] == 12 and got["version"] == rec["version"]
    assert ok(api.get("/api/v1/types/supplier/fields/score"))["label_zh"] == "评分"
    err = error(api.patch("/api/v1/types/supplier/fields/score", json={"name": "points"}), 422, "validation_error")
    assert "name" in err["details"]


def test_type_change_with_unconvertible_values_is_refused_then_forced(api, supplier):
    good = create(api, "supplier", name="Good", email="x@y.test")
    ok(api.post("/api/v1/types/supplier/fields", json={"name": "code", "label": "Code", "type": "text"}), 201)
    a = ok(api.patch(f"/api/v1/records/supplier/{good['id']}", json={"fields": {"code": "42"}, "version": 1}))
    b = create(api, "supplier", name="Bad", code="forty-two")
    c = create(api, "supplier", name="Also bad", code="n/a")
    empty = create(api, "supplier", name="Empty")
    err = error(api.patch("/api/v1/types/supplier/fields/code", json={"type": "number"}), 409, "conversion_refused")
    assert sorted(err["details"]["record_ids"]) == sorted([b["id"], c["id"]])
    # nothing changed
    assert ok(api.get("/api/v1/types/supplier/fields/code"))["type"] == "text"
    assert ok(api.get(f"/api/v1/records/supplier/{b['id']}"))["fields"]["code"] == "forty-two"
    body = ok(api.patch("/api/v1/types/supplier/fields/code", json={"type": "number", "force": True}))
    assert body["type"] == "number"
    assert sorted(body["conversion"]["cleared"]) == sorted([b["id"], c["id"]])
    assert body["conversion"]["converted"] == 1
    values = {r["id"]: r["fields"]["code"] for r in ok(api.get("/api/v1/records/supplier"))["records"]}
    assert values == {a["id"]: 42, b["id"]: None, c["id"]: None, empty["id"]: None}


def test_impossible_conversion_is_422(api, supplier):
    err = error(api.patch("/api/v1/types/supplier/fields/since", json={"type": "email"}), 422, "validation_error")
    assert "type" in err["details"]


def test_delete_restore_and_purge_a_field(api, supplier):
    rec = create(api, "supplier", name="Acme", score=5)
    deleted_at = ok(api.delete("/api/v1/types/supplier/fields/score"))["deleted_at"]
    assert datetime.fromisoformat(deleted_at).utcoffset() == timedelta(0)  # with its offset, as every time
    got = ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))
    assert "score" not in got["fields"]
    err = error(api.post("/api/v1/records/supplier", json={"fields": {"name": "B", "score": 1}}), 422)
    assert "score" in err["details"]
    (trashed,) = ok(api.get("/api/v1/trash"))["fields"]
    assert (trashed["type"], trashed["name"], trashed["label"]) == ("supplier", "score", "Score")
    assert trashed["deleted_at"] == deleted_at
    ok(api.post("/api/v1/types/supplier/fields/score/restore"))
    assert ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))["fields"]["score"] == 5
    err = error(api.post("/api/v1/types/supplier/fields/score/restore"), 409, "conflict")  # not in the trash
    assert "not in the trash" in err["message"]
    ok(api.delete("/api/v1/types/supplier/fields/score"))
    assert ok(api.delete("/api/v1/types/supplier/fields/score?purge=1"))["purged"] is True
    error(api.post("/api/v1/types/supplier/fields/score/restore"), 404)
    ok(api.post("/api/v1/types/supplier/fields", json={"name": "score", "label": "Score", "type": "text"}), 201)
    assert ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))["fields"]["score"] is None


def test_unknown_field_is_404(api, supplier):
    error(api.get("/api/v1/types/supplier/fields/nope"), 404, "not_found")
    error(api.patch("/api/v1/types/supplier/fields/nope", json={"label": "x"}), 404, "not_found")
    error(api.delete("/api/v1/types/supplier/fields/nope"), 404, "not_found")


def test_reorder_fields_and_sections(api, supplier):
    body = ok(api.post("/api/v1/types/supplier/fields/order",
                       json={"order": ["email", "name"], "sections": {"email": "Contact", "name": "Contact"}}))
    assert [f["name"] for f in body["fields"]] == ["email", "name", "score", "status", "since"]
    assert body["fields"][0]["section"] == "Contact"
    assert [f["name"] for f in ok(api.get("/api/v1/types/supplier/fields"))["fields"]][:2] == ["email", "name"]
    err = error(api.post("/api/v1/types/supplier/fields/order", json={"order": ["nope"]}), 422)
    assert err["details"] == {"order": ["nope"]}
    error(api.post("/api/v1/types/supplier/fields/order", json={"order": "name"}), 422)
    error(api.post("/api/v1/types/supplier/fields/order", json={"order": [], "extra": 1}), 422)


def test_a_required_field_tells_how_many_records_have_no_value(api, supplier):
    """Records that were there before a field became required keep their empty value: the answer says how many."""
    for name in ("Acme", "Beta", "Gamma"):
        create(api, "supplier", name=name, **({"score": 5} if name == "Acme" else {}))
    body = ok(api.post("/api/v1/types/supplier/fields", json={"name": "code", "label": "Code", "type": "text",
                                                               "required": True}), 201)
    assert body["records_without_value"] == 3
    body = ok(api.patch("/api/v1/types/supplier/fields/score", json={"required": True}))
    assert body["records_without_value"] == 2
    body = ok(api.post("/api/v1/types/supplier/fields", json={"name": "note", "label": "Note", "type": "text"}), 201)
    assert "records_without_value" not in body
    # being required applies to new records
    err = error(api.post("/api/v1/records/supplier", json={"fields": {"name": "Delta", "score": 1}}), 422)
    assert "code" in err["details"]


def test_a_datetime_becomes_the_date_its_users_saw(app, api):
    """In an instance on Shanghai time, 00:30 on the 5th is stored as 16:30 UTC on the 4th; made a
    date field, it is the 5th (and made text, the time they saw)."""
    app.config["TIMEZONE"] = "Asia/Shanghai"
    try:
        ok(api.post("/api/v1/types", json={"name": "visit", "label": "Visit"}), 201)
        for name in ("at", "at_text"):
            ok(api.post("/api/v1/types/visit/fields", json={"name": name, "label": name, "type": "datetime"}), 201)
        rid = create(api, "visit", at="2026-01-05 00:30", at_text="2026-01-05 00:30")["id"]
        assert ok(api.get(f"/api/v1/records/visit/{rid}"))["fields"]["at"] == "2026-01-04T16:30:00+00:00"
        ok(api.patch("/api/v1/types/visit/fields/at", json={"type": "date"}))
        ok(api.patch("/api/v1/types/visit/fields/at_text", json={"type": "text"}))
        fields = ok(api.get(f"/api/v1/records/visit/{rid}"))["fields"]
        assert fields["at"] == "2026-01-05" and fields["at_text"] == "2026-01-05 00:30"
    finally:
        app.config["TIMEZONE"] = "UTC"


def test_help_text_in_each_language(api, supplier):
    body = ok(api.post("/api/v1/types/supplier/fields", json={
        "name": "grade", "label": "Grade", "label_zh": "等级", "type": "text",
        "help_text": "A to D", "help_text_zh": "A 到 D"}), 201)
    assert (body["help_text"], body["help_text_zh"]) == ("A to D", "A 到 D")
    ok(api.patch("/api/v1/types/supplier/fields/grade", json={"help_text_zh": "从 A 到 D"}))
    assert ok(api.get("/api/v1/types/supplier/fields/grade"))["help_text_zh"] == "从 A 到 D"
    spec = ok(api.get("/api/v1/openapi.json"))
    assert "A to D / 从 A 到 D" in json.dumps(spec, ensure_ascii=False)  # (both languages, as a type's label)
    error(api.patch("/api/v1/types/supplier/fields/grade", json={"help_text_zh": "x" * 2001}), 422)
