"""A record type may clear the values its conditions hide (``clear_hidden_values``): a write that leaves
"root cause" hidden (the report is no longer an incident) blanks it on every surface — API, /v0, batch,
import, the admin's form — and the history shows it. Without the option, hidden values are kept."""
from __future__ import annotations

import csv
import io
import re

from support import csrf_token_from

from .helpers import ok, page_text

INCIDENT = {"title": "Leak", "kind": "incident", "severity": "low", "root_cause": "a worn seal"}


def _clearing(api) -> None:
    assert ok(api.patch("/api/v1/types/report", json={"clear_hidden_values": True}))["clear_hidden_values"] is True


def _fields(api, rid) -> dict:
    return ok(api.get(f"/api/v1/records/report/{rid}"))["fields"]


def test_hidden_values_are_kept_unless_the_type_clears_them(api, report_type):
    assert ok(api.get("/api/v1/types/report"))["clear_hidden_values"] is False
    kept = ok(api.post("/api/v1/records/report", json={"fields": INCIDENT}), 201)
    ok(api.patch(f"/api/v1/records/report/{kept['id']}", json={"version": 1, "fields": {"kind": "question"}}))
    assert _fields(api, kept["id"])["root_cause"] == "a worn seal"

    _clearing(api)
    rec = ok(api.post("/api/v1/records/report", json={"fields": INCIDENT}), 201)
    assert rec["fields"]["root_cause"] == "a worn seal"  # shown: kept
    updated = ok(api.patch(f"/api/v1/records/report/{rec['id']}", json={"version": 1, "fields": {"kind": "question"}}))
    assert updated["fields"]["root_cause"] is None
    history = ok(api.get(f"/api/v1/records/report/{rec['id']}/history"))["history"]
    [change] = [h["changes"] for h in history if h["action"] == "update"]
    assert change["root_cause"] == ["a worn seal", None]
    # created hidden: not stored at all; a write that leaves it shown keeps what it gives
    rec = ok(api.post("/api/v1/records/report", json={"fields": {**INCIDENT, "kind": "question"}}), 201)
    assert rec["fields"]["root_cause"] is None
    ok(api.patch(f"/api/v1/records/report/{rec['id']}", json={"version": 1, "fields": {
        "kind": "incident", "root_cause": "back again"}}))
    assert _fields(api, rec["id"])["root_cause"] == "back again"
    # /v0 (Airtable's shape) is the same write
    resp = api.post("/v0/appRecordbase0001/report", json={"fields": {"Title": "Via v0", "Kind": "question",
                                                                     "Root cause": "hidden"}})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert _latest(api)["fields"]["root_cause"] is None


def _latest(api) -> dict:
    return ok(api.get("/api/v1/records/report?sort=-id&limit=1"))["records"][0]


def test_batch_and_import_clear_too(api, report_type):
    _clearing(api)
    resp = api.post("/api/v1/records/report/batch", json={"records": [
        {"fields": {**INCIDENT, "title": "B1"}}, {"fields": {**INCIDENT, "title": "B2", "kind": "question"}}]})
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    got = {r["fields"]["title"]: r["fields"]["root_cause"] for r in ok(api.get("/api/v1/records/report"))["records"]}
    assert got == {"B1": "a worn seal", "B2": None}

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "kind", "root_cause"])
    writer.writerow(["I1", "incident", "shown cause"])
    writer.writerow(["I2", "question", "hidden cause"])
    resp = api.post("/api/v1/records/report/import", data={"file": (io.BytesIO(out.getvalue().encode()), "r.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.get_json()["created"] == 2, resp.get_data(as_text=True)[:300]
    got = {r["fields"]["title"]: r["fields"]["root_cause"] for r in ok(api.get("/api/v1/records/report"))["records"]}
    assert got["I1"] == "shown cause" and got["I2"] is None


def test_the_admin_edit_form_clears_and_the_type_form_sets_the_option(api, admin_client, report_type):
    page = page_text(admin_client.get("/admin/metamodel/types/report/edit/"))
    assert 'name="clear_hidden_values"' in page and "Clear values that conditions hide" in page
    token = csrf_token_from(page)
    resp = admin_client.post("/admin/metamodel/types/report/edit/", data={
        "label": "Report", "label_zh": "报告", "primary_field": "title", "clear_hidden_values": "y",
        "csrf_token": token})
    assert resp.status_code == 302, page_text(resp)[-2000:]
    assert ok(api.get("/api/v1/types/report"))["clear_hidden_values"] is True
    assert re.search(r'id="clear_hidden_values"[^>]*checked|checked[^>]*id="clear_hidden_values"',
                     page_text(admin_client.get("/admin/metamodel/types/report/edit/")))

    rec = ok(api.post("/api/v1/records/report", json={"fields": INCIDENT}), 201)
    edit_url = f"/admin/records/report/edit/?id={rec['id']}"
    token = csrf_token_from(page_text(admin_client.get(edit_url)))
    resp = admin_client.post(edit_url, data={"title": "Leak", "kind": "question", "severity": "low",
                                             "root_cause": "a worn seal", "RB_VERSION": "1", "csrf_token": token})
    assert resp.status_code == 302, page_text(resp)[-3000:]
    assert _fields(api, rec["id"])["root_cause"] is None
