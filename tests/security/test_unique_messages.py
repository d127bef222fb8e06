"""A taken unique value is refused on every surface without naming the record that has it (the
writer may not be allowed to see it, or be an anonymous public-form visitor), in both languages;
and failed public-form submissions count against the per-address limit like accepted ones."""
from __future__ import annotations

import io
import re

import pytest

from recordbase.metamodel.service import MetamodelService
from support import csrf_token_from as csrf

TAKEN = "this value is already taken"
TAKEN_ZH = "此值已被使用"
CODE = "91310000TAKEN"



def no_record_named(body: str, rid: int) -> None:
    for pattern in (rf"record {rid}\b", rf"记录 ?{rid}\b", rf"#{rid}\b", r"already has this value", r"rb_rec_", r"\bf_\d"):
        assert not re.search(pattern, body), (pattern, body[:1500])


@pytest.fixture
def taken(api, sessions, owner) -> int:
    """A supplier type with a unique code; a record (by the owner) holding CODE. Its id."""
    with sessions.begin() as s:
        MetamodelService(s).create_type({"name": "supplier", "label": "Supplier", "fields": [
            {"name": "name", "label": "Name", "type": "text"},
            {"name": "code", "label": "Code", "type": "text", "unique": True}]})
    resp = api.post("/api/v1/records/supplier", json={"fields": {"name": "First", "code": CODE}})
    assert resp.status_code == 201
    return resp.get_json()["id"]


def test_api_record_batch_and_import(api, taken):
    resp = api.post("/api/v1/records/supplier", json={"fields": {"name": "Second", "code": CODE}})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["code"] == [f"must be unique: {TAKEN}"]
    no_record_named(resp.get_data(as_text=True), taken)
    other = api.post("/api/v1/records/supplier", json={"fields": {"name": "Other", "code": "X"}}).get_json()["id"]
    resp = api.patch(f"/api/v1/records/supplier/{other}", json={"fields": {"code": CODE}, "version": 1})
    assert resp.status_code == 422 and TAKEN in resp.get_data(as_text=True)
    no_record_named(resp.get_data(as_text=True), taken)
    zh = api.post("/api/v1/records/supplier", json={"fields": {"name": "Second", "code": CODE}},
                  headers={"Accept-Language": "zh-CN"})
    batch = api.post("/api/v1/records/supplier/batch", json={"records": [{"fields": {"name": "B", "code": CODE}}]})
    assert batch.status_code == 422 and TAKEN in batch.get_data(as_text=True)
    no_record_named(batch.get_data(as_text=True), taken)
    csv = f"Name,Code\nI,{CODE}\n".encode()
    imported = api.post("/api/v1/records/supplier/import", data={"file": (io.BytesIO(csv), "s.csv"),
                                                                 "skip_bad_rows": "true"},
                        content_type="multipart/form-data")
    assert imported.status_code in (200, 201, 422) and TAKEN in imported.get_data(as_text=True)
    no_record_named(imported.get_data(as_text=True), taken)
    assert zh.status_code == 422


def test_api_in_chinese(app, api, sessions, taken):
    resp = api.patch("/api/v1/users/owner@example.com", json={"locale": "zh"})
    assert resp.status_code == 200
    resp = api.post("/api/v1/records/supplier", json={"fields": {"name": "Second", "code": CODE}})
    assert resp.status_code == 422 and TAKEN_ZH in resp.get_data(as_text=True)
    no_record_named(resp.get_data(as_text=True), taken)


def test_admin_form(app, admin_client, taken, switch_language):
    page = admin_client.get("/admin/records/supplier/new/").get_data(as_text=True)
    resp = admin_client.post("/admin/records/supplier/new/", data={"name": "Second", "code": CODE,
                                                                   "csrf_token": csrf(page)})
    body = resp.get_data(as_text=True)
    assert TAKEN in body
    no_record_named(re.sub(r'name="csrf_token"[^>]*>', "", body), taken)
    switch_language(admin_client, "zh")
    page = admin_client.get("/admin/records/supplier/new/").get_data(as_text=True)
    body = admin_client.post("/admin/records/supplier/new/", data={"name": "Second", "code": CODE,
                                                                   "csrf_token": csrf(page)}).get_data(as_text=True)
    assert TAKEN_ZH in body


def test_airtable_compatible_api(app, token, taken):
    resp = app.test_client().post("/v0/appRecordbase0001/Supplier", headers={"Authorization": f"Bearer {token}"},
                                  json={"fields": {"Name": "Second", "Code": CODE}})
    assert resp.status_code == 422 and TAKEN in resp.get_data(as_text=True), resp.get_data(as_text=True)
    no_record_named(resp.get_data(as_text=True), taken)


@pytest.fixture
def form_url(api, taken) -> str:
    resp = api.post("/api/v1/types/supplier/forms", json={"title": "Register", "fields": ["name", "code"]})
    assert resp.status_code == 201
    return resp.get_json()["url"]


def _submit(client, url: str, data: dict):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data=dict(data, csrf_token=csrf(page.get_data(as_text=True))))


def test_public_form_says_taken_without_the_record(app, form_url, taken):
    resp = _submit(app.test_client(), form_url, {"f_name": "Stranger", "f_code": CODE})
    assert resp.status_code == 422 and TAKEN in resp.get_data(as_text=True)
    no_record_named(re.sub(r'name="csrf_token"[^>]*>', "", resp.get_data(as_text=True)), taken)
    zh = _submit(app.test_client(), form_url + "?lang=zh", {"f_name": "Stranger", "f_code": CODE})
    assert zh.status_code == 422 and TAKEN_ZH in zh.get_data(as_text=True), zh.get_data(as_text=True)


def test_failed_public_submissions_count_against_the_limit(app, api, form_url):
    app.config["RECORDBASE_FORM_MAX_PER_HOUR"] = 3
    client = app.test_client()
    for i in range(3):  # probing for taken values: every answer is a refusal, each one counted
        assert _submit(client, form_url, {"f_name": f"Probe {i}", "f_code": CODE}).status_code == 422
    resp = _submit(client, form_url, {"f_name": "Fine", "f_code": "NEW-1"})
    assert resp.status_code == 429
    assert api.get("/api/v1/records/supplier?count=1").get_json()["count"] == 1
    # another address is not held back
    other = app.test_client()
    page = other.get(form_url, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    resp = other.post(form_url, data={"f_name": "Fine", "f_code": "NEW-1", "csrf_token": csrf(page.get_data(as_text=True))},
                      environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert resp.status_code == 200


def test_a_value_taken_by_a_concurrent_writer_is_named_by_field(api, taken, monkeypatch):
    """When another writer takes the value between the check and the write, the database's unique
    index refuses it: the answer names the field, never the database's text (tables, columns)."""
    from recordbase.storage.record_store import RecordStore

    monkeypatch.setattr(RecordStore, "_check_unique", lambda *a, **k: None)  # (as if the race was lost)
    resp = api.post("/api/v1/records/supplier", json={"fields": {"name": "Second", "code": CODE}})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["details"] == {"code": [f"must be unique: {TAKEN}"]}
    no_record_named(resp.get_data(as_text=True), taken)
    batch = api.post("/api/v1/records/supplier/batch", json={"records": [{"fields": {"name": "B", "code": CODE}}]})
    assert batch.status_code == 422 and "rb_rec_" not in batch.get_data(as_text=True)
