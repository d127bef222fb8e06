"""Transitions and approvals through the API: levels, policies, conditions, rejection, self-approval."""
from __future__ import annotations

from .helpers import error, ok


def test_new_record_starts_in_initial_state_and_state_changes_only_by_transition(flow, api):
    rec = flow.create(name="A", value=100)
    assert rec["fields"]["status"] == "draft"
    assert error(api.post("/api/v1/records/contract", json={"fields": {"name": "B", "status": "active"}}), 409)["code"] \
        == "transition_required"
    e = error(api.patch(f"/api/v1/records/contract/{rec['id']}", json={"fields": {"status": "active"},
                                                                       "version": rec["version"]}), 409)
    assert e["code"] == "transition_required" and e["details"]["transitions"] == ["submit"]
    assert flow.get(rec["id"])["fields"]["status"] == "draft"
    assert flow.get(rec["id"])["version"] == rec["version"]


def test_required_fields_and_listing(flow, api):
    rec = flow.create(name="A")
    body = ok(api.get(f"/api/v1/records/contract/{rec['id']}/transitions"))
    assert body["state"] == {"field": "status", "value": "draft"}
    assert [t["name"] for t in body["transitions"]] == ["submit"]
    e = flow.take(api, rec["id"], "submit", 422)
    assert "value" in e["details"]
    assert flow.get(rec["id"])["fields"]["status"] == "draft"
    out = flow.take(api, rec["id"], "submit", fields={"value": 1000})
    assert out["state"]["value"] == "in_approval" and out["record"]["fields"]["value"] == 1000


def test_all_policy_then_conditional_level_then_approved(flow, api):
    q = flow.user("q@x.cn", "quality")
    p = flow.user("p@x.cn", "procurement")
    f = flow.user("f@x.cn", "finance")
    small = flow.create(name="small", value=1000)
    big = flow.create(name="big", value=900000)
    flow.take(api, small["id"], "submit")
    flow.take(api, big["id"], "submit")
    # finance is not an approver of level 1
    assert error(f.post(f"/api/v1/records/contract/{small['id']}/transitions/approve", json={}), 403)
    assert ok(q.get("/api/v1/approvals"))["count"] == 2
    flow.take(q, small["id"], "approve", comment="ok")
    assert flow.get(small["id"])["fields"]["status"] == "in_approval"  # all: procurement too
    assert error(q.post(f"/api/v1/records/contract/{small['id']}/transitions/approve", json={}), 409)
    flow.take(p, small["id"], "approve")
    assert flow.get(small["id"])["fields"]["status"] == "active"  # no level 2 below 500,000
    flow.take(q, big["id"], "approve")
    flow.take(p, big["id"], "approve")
    assert flow.get(big["id"])["fields"]["status"] == "in_approval"
    assert ok(f.get("/api/v1/approvals"))["count"] == 1
    assert ok(q.get("/api/v1/approvals"))["count"] == 0
    flow.take(f, big["id"], "approve")
    assert flow.get(big["id"])["fields"]["status"] == "active"
    kinds = [(a["kind"], a["level"]) for a in ok(api.get(f"/api/v1/records/contract/{big['id']}/approvals"))["approvals"]]
    assert kinds == [("transition", None), ("approve", 1), ("approve", 1), ("approve", 2), ("approved", None)]


def test_rejection_needs_comment_and_sends_back(flow, api):
    q = flow.user("q@x.cn", "quality")
    flow.user("p@x.cn", "procurement")
    rec = flow.create(name="A", value=10)
    flow.take(api, rec["id"], "submit")
    assert "comment" in flow.take(q, rec["id"], "reject", 422)["details"]
    assert flow.get(rec["id"])["fields"]["status"] == "in_approval"
    flow.take(q, rec["id"], "reject", comment="missing annex")
    assert flow.get(rec["id"])["fields"]["status"] == "rejected"
    timeline = ok(api.get(f"/api/v1/records/contract/{rec['id']}/approvals"))["approvals"]
    assert timeline[-2]["kind"] == "reject" and timeline[-2]["comment"] == "missing annex"
    assert timeline[-1]["to"] == "rejected"
    history = ok(api.get(f"/api/v1/records/contract/{rec['id']}/history"))
    entries = history.get("history", history) if isinstance(history, dict) else history
    assert any(e["action"] == "workflow" and e["changes"]["_workflow"].get("comment") == "missing annex"
               for e in entries)


def test_self_approval_forbidden(flow, api):
    q = flow.user("q@x.cn", "quality")
    flow.user("p@x.cn", "procurement")
    rec = flow.create(q, name="mine", value=10)
    flow.take(q, rec["id"], "submit")
    assert ok(q.get("/api/v1/approvals"))["count"] == 0
    assert error(q.post(f"/api/v1/records/contract/{rec['id']}/transitions/approve", json={}), 403)


def test_locked_fields_and_allowed_users(flow, api):
    owner_user = flow.user("o@x.cn", "editor")
    other = flow.user("e@x.cn", "editor")
    rec = flow.create(name="A", value=10, owner="o@x.cn")
    flow.take(api, rec["id"], "submit")
    cur = flow.get(rec["id"])
    e = error(api.patch(f"/api/v1/records/contract/{rec['id']}", json={"fields": {"value": 5}, "version": cur["version"]}), 409)
    assert e["code"] == "field_locked" and e["details"]["fields"] == ["value"]
    ok(api.patch(f"/api/v1/records/contract/{rec['id']}", json={"fields": {"note": "fine"}, "version": cur["version"]}))
    assert flow.take(other, rec["id"], "withdraw", 403)["code"] == "forbidden"
    flow.take(owner_user, rec["id"], "withdraw")
    assert flow.get(rec["id"])["fields"]["status"] == "draft"
    assert ok(api.get("/api/v1/approvals"))["count"] == 0  # the step was cancelled


def test_n_of_m(flow, api):
    doc = flow_doc_n_of_m()
    ok(api.put("/api/v1/workflows/contract", json=doc))
    a = flow.user("a@x.cn", "quality")
    b = flow.user("b@x.cn", "procurement")
    flow.user("c@x.cn", "finance")
    rec = flow.create(name="A", value=10)
    flow.take(api, rec["id"], "submit")
    flow.take(a, rec["id"], "approve")
    assert flow.get(rec["id"])["fields"]["status"] == "in_approval"
    flow.take(b, rec["id"], "approve")
    assert flow.get(rec["id"])["fields"]["status"] == "active"


def flow_doc_n_of_m() -> dict:
    from .helpers import workflow_doc

    doc = workflow_doc()
    doc["states"][0]["approval"]["levels"] = [
        {"approvers": [{"role": "quality"}, {"role": "procurement"}, {"role": "finance"}], "policy": "n_of_m", "n": 2}]
    return doc


def test_invalid_workflow_is_422_with_paths(flow, api):
    from .helpers import workflow_doc

    doc = workflow_doc()
    doc["transitions"][0]["to"] = "nowhere"
    doc["state_field"] = "status"
    e = error(api.put("/api/v1/workflows/contract", json=doc), 422)
    assert any(p["path"] == "$.transitions[0].to" for p in e["details"]["problems"])
