"""The admin: "My approvals" lists what waits for me with its count in the menu, approves in one
click with a comment; the details page shows the state, the transitions and the timeline."""
from __future__ import annotations

import re

from support import OWNER_EMAIL, csrf_token_from

from .helpers import ok, workflow_doc


def _setup(flow, api):
    doc = workflow_doc()
    doc["states"][0]["approval"]["levels"] = [{"approvers": [{"user": OWNER_EMAIL}], "policy": "any"}]
    ok(api.put("/api/v1/workflows/contract", json=doc))
    editor = flow.user("e@x.cn", "editor")
    rec = flow.create(editor, name="Cleaning 2027", value=1000)
    flow.take(editor, rec["id"], "submit")
    return rec


def test_my_approvals_approve_with_comment(flow, api, admin_client, switch_language):
    rec = _setup(flow, api)
    page = admin_client.get("/admin/approvals/").get_data(as_text=True)
    assert "Cleaning 2027" in page and "My approvals (1)" in page
    token = csrf_token_from(page)
    resp = admin_client.post("/admin/approvals/decide/", data={
        "csrf_token": token, "type_name": "contract", "record_id": str(rec["id"]), "action": "approve",
        "comment": "looks right", "next": "/admin/approvals/"})
    assert resp.status_code == 302
    assert flow.get(rec["id"])["fields"]["status"] == "active"
    page = admin_client.get("/admin/approvals/").get_data(as_text=True)
    assert "Cleaning 2027" not in page and "My approvals (1)" not in page
    details = admin_client.get(f"/admin/records/contract/details/?id={rec['id']}").get_data(as_text=True)
    assert "rb-timeline" in details and "looks right" in details and "e@x.cn" in details
    switch_language(admin_client, "zh")
    details = admin_client.get(f"/admin/records/contract/details/?id={rec['id']}").get_data(as_text=True)
    assert "审批记录" in details and "生效" in details and "提交" in details


def test_reject_without_comment_is_refused_in_place(flow, api, admin_client):
    rec = _setup(flow, api)
    token = csrf_token_from(admin_client.get("/admin/approvals/").get_data(as_text=True))
    resp = admin_client.post("/admin/approvals/decide/", data={
        "csrf_token": token, "type_name": "contract", "record_id": str(rec["id"]), "action": "reject",
        "next": "/admin/approvals/"}, follow_redirects=True)
    assert resp.status_code == 200
    assert re.search(r"comment", resp.get_data(as_text=True))
    assert flow.get(rec["id"])["fields"]["status"] == "in_approval"
