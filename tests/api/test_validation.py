"""Bad input is refused with a 4xx and the error body, and nothing is stored."""
from __future__ import annotations

import json

import pytest

from .helpers import count, create, error, make_type, ok

VALID = {"name": "Acme", "score": 5, "status": "active", "since": "2024-01-05", "email": "a@acme.test"}

BAD_CREATES = [
    ("missing required", {k: v for k, v in VALID.items() if k != "name"}, "name", "is required"),
    ("required null", dict(VALID, name=None), "name", "is required"),
    ("required blank", dict(VALID, name="   "), "name", "is required"),
    ("text in a number", dict(VALID, score="lots"), "score", "not a number"),
    ("bool in a number", dict(VALID, score=True), "score", "number"),
    ("unknown choice", dict(VALID, status="bankrupt"), "status", "not one of the choices"),
    ("bad email", dict(VALID, email="not-an-email"), "email", "not a valid email"),
    ("impossible date", dict(VALID, since="2023-02-30"), "since", "not a real date"),
    ("garbage date", dict(VALID, since="yesterday"), "since", "not a date"),
    ("unknown field", dict(VALID, colour="red"), "colour", "unknown field"),
    ("object in text", dict(VALID, name={"a": 1}), "name", "must be text"),
    ("too long", dict(VALID, name="x" * 256), "name", "at most 255"),
    ("NUL in text", dict(VALID, name="Ac\u0000me"), "name", "NUL"),  # PostgreSQL cannot store it
]


@pytest.mark.parametrize("label,values,field,words", BAD_CREATES, ids=[c[0] for c in BAD_CREATES])
def test_bad_create_is_422_and_stores_nothing(api, supplier, label, values, field, words):
    err = error(api.post("/api/v1/records/supplier", json={"fields": values}), 422, "validation_error")
    assert field in err["details"], err
    assert any(words in m for m in err["details"][field]), err
    assert field in err["message"]
    assert count(api, "supplier") == 0


def test_every_problem_is_reported_at_once(api, supplier):
    err = error(api.post("/api/v1/records/supplier", json={"fields": {
        "score": "x", "status": "nope", "email": "bad", "since": "2024-13-01", "extra": 1}}), 422)
    assert set(err["details"]) == {"name", "score", "status", "email", "since", "extra"}
    assert count(api, "supplier") == 0


def test_bad_update_changes_nothing(api, supplier):
    rec = create(api, "supplier", **VALID)
    for fields in ({"score": "many"}, {"status": "gone"}, {"email": "@"}, {"since": "2024-02-30"},
                   {"nope": 1}, {"name": None}, {"name": ""}, {"score": 9, "email": "bad"}):
        err = error(api.patch(f"/api/v1/records/supplier/{rec['id']}", json={"fields": fields, "version": 1}), 422)
        assert err["details"]
    got = ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))
    assert got["fields"] == rec["fields"] and got["version"] == 1


def test_patch_needs_a_version(api, supplier):
    rec = create(api, "supplier", name="Acme")
    url = f"/api/v1/records/supplier/{rec['id']}"
    err = error(api.patch(url, json={"fields": {"score": 1}}), 422, "validation_error")
    assert "version" in err["details"]
    for bad in ("one", True, 0, -1, 1.5, None):
        err = error(api.patch(url, json={"fields": {"score": 1}, "version": bad}), 422, "validation_error")
        assert "version" in err["details"]
    error(api.patch(url, json={"version": 1}), 422, "validation_error")
    assert ok(api.get(url))["version"] == 1


def test_read_only_fields_cannot_be_written(api):
    ok(api.post("/api/v1/types", json={"name": "ticket", "label": "Ticket", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "number", "label": "No.", "type": "autonumber", "options": {"pattern": "T-{0000}"}}]}), 201)
    err = error(api.post("/api/v1/records/ticket", json={"fields": {"title": "x", "number": "T-9999"}}), 422)
    assert err["details"]["number"] == ["is read-only"]
    rec = create(api, "ticket", title="x")
    assert rec["fields"]["number"] == "T-0001"


def test_malformed_bodies_are_400(api, supplier):
    url = "/api/v1/records/supplier"
    cases = [
        api.client.post(url, data="{not json", headers={"Authorization": f"Bearer {api.token}",
                                                          "Content-Type": "application/json"}),
        api.client.post(url, data="", headers={"Authorization": f"Bearer {api.token}"}),
        api.client.post(url, data="name=Acme", headers={"Authorization": f"Bearer {api.token}",
                                                          "Content-Type": "application/x-www-form-urlencoded"}),
        api.post(url, json=[{"fields": {"name": "x"}}]),
        api.post(url, json="Acme"),
    ]
    for resp in cases:
        error(resp, 400, "bad_request")
    err = error(api.post(url, json={"name": "Acme"}), 422, "validation_error")
    assert set(err["details"]) >= {"name"}
    err = error(api.post(url, json={"fields": ["Acme"]}), 422, "validation_error")
    assert "fields" in err["details"]
    error(api.post(url, json={}), 422)
    assert count(api, "supplier") == 0


def test_json_without_content_type_is_accepted(api, supplier):
    resp = api.client.post("/api/v1/records/supplier", data='{"fields": {"name": "Acme"}}',
                           headers={"Authorization": f"Bearer {api.token}", "Content-Type": "text/plain"})
    assert ok(resp, 201)["fields"]["name"] == "Acme"


def test_unknown_routes_and_methods_get_the_error_body(api, supplier):
    for path in ("/api/v1/nothing", "/api/v2/types", "/api", "/api/v1/records/supplier/1/nothing"):
        err = error(api.get(path), 404, "not_found")
        assert path in err["message"]
    resp = api.put("/api/v1/records/supplier", json={})
    err = error(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"] and "GET" in err["details"]["allowed"]
    error(api.client.delete("/api/v1/types"), 405, "method_not_allowed")


def test_body_too_large_is_413(app, api, supplier):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    err = error(api.post("/api/v1/records/supplier", json={"fields": {"name": "x" * 2000}}), 413, "payload_too_large")
    assert "too large" in err["message"]
    assert count(api, "supplier") == 0


def test_values_beyond_the_database_range_are_4xx(api, supplier):
    make_type(api, "contract", [{"name": "supplier", "label": "S", "type": "link", "options": {"target": "supplier"}}])
    rec = create(api, "supplier", name="Acme")
    big = 10**20
    error(api.get(f"/api/v1/records/supplier/{big}"), 404, "not_found")
    error(api.patch(f"/api/v1/records/supplier/{2**31}", json={"fields": {}, "version": 1}), 404, "not_found")
    error(api.get("/api/v1/records/supplier", query_string={
        "filter": json.dumps({"field": "id", "op": "eq", "value": big})}), 400)
    # a link to an id no record can have is the field's own error (it was a bare 400 from the database)
    assert "supplier" in error(api.post("/api/v1/records/contract", json={"fields": {"supplier": big}}), 422,
                               "validation_error")["details"]
    error(api.get("/api/v1/records/contract", query_string={
        "filter": json.dumps({"field": "supplier", "op": "eq", "value": big})}), 400)
    assert count(api, "contract") == 0
    assert ok(api.get(f"/api/v1/records/supplier/{rec['id']}"))["version"] == 1


def test_unexpected_errors_roll_back_and_answer_json(app, api, supplier, monkeypatch):
    """Outside tests, an unexpected exception is a JSON 500 and nothing the request wrote is kept."""
    from recordbase.storage import RecordStore

    real_create = RecordStore.create

    def create_then_fail(self, *args, **kwargs):
        real_create(self, *args, **kwargs)
        raise RuntimeError("boom")

    monkeypatch.setattr(RecordStore, "create", create_then_fail)
    app.testing = False
    err = error(api.post("/api/v1/records/supplier", json={"fields": {"name": "Acme"}}), 500, "internal_error")
    assert "boom" not in err["message"]
    app.testing = True
    monkeypatch.undo()
    assert count(api, "supplier") == 0


def test_a_search_or_filter_with_nul_is_answered(api, supplier):
    """NUL cannot be stored (the text types refuse it): a search ignores it rather than failing on
    PostgreSQL; a filter value with it is refused like any bad value."""
    create(api, "supplier", **VALID)
    assert [r["fields"]["name"] for r in ok(api.get("/api/v1/records/supplier?search=Ac%00me"))["records"]] == ["Acme"]
    flt = json.dumps({"field": "name", "op": "eq", "value": "Ac\u0000me"})
    resp = api.get("/api/v1/records/supplier", query_string={"filter": flt})
    assert resp.status_code in (400, 422) and "NUL" in resp.get_data(as_text=True)


def test_value_messages_follow_the_callers_language(api, supplier, sessions):
    """The details name the problem in the token user's language (their locale, as in the admin);
    the error code and the field names stay as they are."""
    from sqlalchemy import update

    from recordbase.models import User

    body = {"fields": dict(VALID, email="not-an-email")}
    en = error(api.post("/api/v1/records/supplier", json=body), 422, "validation_error")
    assert en["details"]["email"] == ["'not-an-email' is not a valid email address"]
    with sessions.begin() as s:
        s.execute(update(User).values(locale="zh"))
    zh = error(api.post("/api/v1/records/supplier", json=body), 422, "validation_error")
    assert zh["details"]["email"] == ["“not-an-email”不是有效的电子邮箱地址"]
    assert count(api, "supplier") == 0


def test_a_refused_body_is_answered_after_the_404s(api, supplier):
    """The body is read before the write transaction opens (on SQLite, before its write lock), but
    an unknown type or record is still a 404 whatever the body, and a bad body on a real one a 400."""
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
    error(api.client.post("/api/v1/records/nothing", data="{not json", headers=headers), 404, "not_found")
    error(api.client.patch("/api/v1/records/supplier/999", data="{not json", headers=headers), 404, "not_found")
    error(api.patch("/api/v1/records/supplier/999", json={"bogus": 1}), 404, "not_found")
    rec = create(api, "supplier", name="Acme")
    url = f"/api/v1/records/supplier/{rec['id']}"
    error(api.client.patch(url, data="{not json", headers=headers), 400, "bad_request")
    assert set(error(api.patch(url, json={"bogus": 1, "version": 1}), 422, "validation_error")["details"]) == {"bogus"}
    error(api.client.post("/api/v1/records/supplier", data="{not json", headers=headers), 400, "bad_request")
    assert ok(api.get(url))["version"] == 1
