"""A refused change of the state field leaves nothing changed, whichever surface writes: the API's
update and batch, /v0, the admin's edit form, an import and an automation action."""
from __future__ import annotations

import io

from support import csrf_token_from

from .helpers import error, ok

BASE = "appRecordbase0001"


def _unchanged(flow, rid: int, version: int) -> None:
    rec = flow.get(rid)
    assert rec["fields"]["status"] == "draft" and rec["version"] == version


def test_batch_refused_whole(flow, api):
    resp = api.post("/api/v1/records/contract/batch", json={"records": [
        {"fields": {"name": "ok", "status": "draft"}}, {"fields": {"name": "bad", "status": "active"}}]})
    assert resp.status_code == 422, resp.get_json()  # per record, as every invalid row of a batch
    assert "status" in resp.get_json()["error"]["details"]["records"][0]["errors"]
    assert ok(api.get("/api/v1/records/contract?count=1"))["count"] == 0


def test_v0_refused(flow, api):
    rec = flow.create(name="A", value=1)
    resp = api.patch(f"/v0/{BASE}/Contract/rec{rec['id']}", json={"fields": {"Status": "active"}})
    assert resp.status_code == 409, resp.get_data(as_text=True)
    _unchanged(flow, rec["id"], rec["version"])


def test_import_refused(flow, api):
    data = "Name,Status\nA,draft\nB,active\n".encode()
    resp = api.post("/api/v1/records/contract/import", data={"file": (io.BytesIO(data), "c.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code in (200, 409, 422), resp.get_data(as_text=True)
    body = resp.get_json()
    assert body.get("committed") in (None, False) or body.get("created") == 0, body
    assert ok(api.get("/api/v1/records/contract?count=1"))["count"] == 0


def test_admin_form_refused(flow, api, admin_client):
    rec = flow.create(name="A", value=1)
    url = f"/admin/records/contract/edit/?id={rec['id']}"
    token = csrf_token_from(admin_client.get(url).get_data(as_text=True))
    resp = admin_client.post(url, data={"csrf_token": token, "name": "A2", "status": "active", "value": "1",
                                        "RB_VERSION": str(rec["version"])})
    assert resp.status_code in (200, 409), resp.status_code
    assert "submit" in resp.get_data(as_text=True)  # the refusal names the transitions allowed
    rec2 = flow.get(rec["id"])
    assert rec2["fields"]["name"] == "A" and rec2["fields"]["status"] == "draft"


def test_automation_action_refused(flow, api):
    ok(api.post("/api/v1/rules", json={
        "name": "Jump", "type": "contract", "enabled": True, "trigger": {"on": "record_updated", "fields": ["note"]},
        "actions": [{"do": "update_record", "values": {"status": "active"}}]}), 201)
    rec = flow.create(name="A", value=1)
    resp = api.patch(f"/api/v1/records/contract/{rec['id']}", json={"fields": {"note": "go"}, "version": rec["version"]})
    assert resp.status_code in (409, 422), resp.get_data(as_text=True)
    rec2 = flow.get(rec["id"])
    assert rec2["fields"]["status"] == "draft" and rec2["fields"]["note"] is None


def test_automation_transition_action(flow, api):
    ok(api.post("/api/v1/rules", json={
        "name": "Auto submit", "type": "contract", "enabled": True,
        "trigger": {"on": "record_updated", "fields": ["note"]},
        "actions": [{"do": "transition", "transition": "submit", "comment": "by rule"}]}), 201)
    rec = flow.create(name="A", value=1)
    ok(api.patch(f"/api/v1/records/contract/{rec['id']}", json={"fields": {"note": "go"}, "version": rec["version"]}))
    assert flow.get(rec["id"])["fields"]["status"] == "in_approval"
    timeline = ok(api.get(f"/api/v1/records/contract/{rec['id']}/approvals"))["approvals"]
    assert timeline[0]["action"] == "submit" and timeline[0]["comment"] == "by rule"
