"""Deadlines on the scheduler's clock (the worker run at a moved "now") and delegation by date range."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from recordbase.automation import worker as automation_worker
from recordbase.automation.models import Notification
from recordbase.context import platform

from .helpers import error, ok, workflow_doc


def _work(app, now):
    with app.app_context():
        automation_worker.configure(sessions=platform(app).sessions, timezone_name="UTC", worker_id="test-worker")
        return automation_worker.run_once(now)


def _notes(app, user_id):
    with platform(app).sessions() as s:
        return [n.message for n in s.scalars(select(Notification).where(Notification.user_id == user_id))]


def _doc(on_overdue):
    doc = workflow_doc()
    doc["states"][0]["approval"]["levels"] = [{"approvers": [{"role": "quality"}], "policy": "any", "due_days": 2,
                                               "on_overdue": on_overdue}]
    return doc


def test_overdue_notifies_and_escalates_once(flow, api, app):
    ok(api.put("/api/v1/workflows/contract", json=_doc({"notify": True, "escalate_to": [{"role": "finance"}]})))
    flow.user("q@x.cn", "quality")
    f = flow.user("f@x.cn", "finance")
    rec = flow.create(name="A", value=1)
    flow.take(api, rec["id"], "submit")
    now = datetime.now(timezone.utc)
    _work(app, now + timedelta(days=1))
    assert not any("Overdue" in m for m in _notes(app, flow.user_ids["q@x.cn"]))
    assert ok(f.get("/api/v1/approvals"))["count"] == 0
    _work(app, now + timedelta(days=3))
    _work(app, now + timedelta(days=4))  # once only
    assert sum("Overdue" in m for m in _notes(app, flow.user_ids["q@x.cn"])) == 1
    assert ok(f.get("/api/v1/approvals"))["count"] == 1  # finance joined the step
    flow.take(f, rec["id"], "approve")
    assert flow.get(rec["id"])["fields"]["status"] == "active"
    kinds = [a["kind"] for a in ok(api.get(f"/api/v1/records/contract/{rec['id']}/approvals"))["approvals"]]
    assert kinds == ["transition", "escalate", "approve", "approved"]


def test_overdue_auto_transition(flow, api, app):
    ok(api.put("/api/v1/workflows/contract", json=_doc({"transition": "withdraw"})))
    flow.user("q@x.cn", "quality")
    rec = flow.create(name="A", value=1)
    flow.take(api, rec["id"], "submit")
    _work(app, datetime.now(timezone.utc) + timedelta(days=3))
    assert flow.get(rec["id"])["fields"]["status"] == "draft"
    assert ok(api.get("/api/v1/approvals"))["count"] == 0


def test_delegate_decides_within_the_range_only(flow, api, app):
    ok(api.put("/api/v1/workflows/contract", json=_doc({})))
    q = flow.user("q@x.cn", "quality")
    sub = flow.user("sub@x.cn", "viewer")
    today = datetime.now(timezone.utc).date()
    # a range that has not begun: nothing for the substitute yet
    d = ok(q.post("/api/v1/delegations", json={"substitute": "sub@x.cn", "starts_on": str(today + timedelta(days=5)),
                                                "ends_on": str(today + timedelta(days=9))}), 201)
    rec = flow.create(name="A", value=1)
    flow.take(api, rec["id"], "submit")
    assert ok(sub.get("/api/v1/approvals"))["count"] == 0
    assert error(sub.post(f"/api/v1/records/contract/{rec['id']}/transitions/approve", json={}), 403)
    ok(q.delete(f"/api/v1/delegations/{d['id']}"))
    ok(q.post("/api/v1/delegations", json={"substitute": "sub@x.cn", "starts_on": str(today - timedelta(days=1)),
                                            "ends_on": str(today + timedelta(days=1))}), 201)
    assert ok(sub.get("/api/v1/approvals"))["count"] == 1
    flow.take(sub, rec["id"], "approve", comment="for q")
    assert flow.get(rec["id"])["fields"]["status"] == "active"
    last = ok(api.get(f"/api/v1/records/contract/{rec['id']}/approvals"))["approvals"][1]
    assert last["user"] == "sub@x.cn" and last["on_behalf_of"] == "q@x.cn"
    # bad ranges and self-substitution are refused
    assert error(q.post("/api/v1/delegations", json={"substitute": "q@x.cn", "starts_on": str(today),
                                                      "ends_on": str(today)}), 422)
    assert error(q.post("/api/v1/delegations", json={"substitute": "sub@x.cn", "starts_on": str(today),
                                                      "ends_on": str(today - timedelta(days=1))}), 422)
