"""Approvers deciding at the same moment, in real threads (each request its own connection and
transaction): the record's row lock makes them take turns, so the last open slot is filled once and
the record makes one transition, not two; N of M counts every decision exactly once."""
from __future__ import annotations

import threading

from .helpers import ok, workflow_doc


def _race(clients, rid: int) -> list[int]:
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def go(client):
        barrier.wait()
        resp = client.post(f"/api/v1/records/contract/{rid}/transitions/approve", json={"comment": "ok"})
        with lock:
            statuses.append(resp.status_code)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(statuses)


def _kinds(api, rid: int) -> list[str]:
    return [a["kind"] for a in ok(api.get(f"/api/v1/records/contract/{rid}/approvals"))["approvals"]]


def test_two_approvers_last_slot_one_transition(flow, api):
    doc = workflow_doc()
    doc["states"][0]["approval"]["levels"] = [{"approvers": [{"role": "quality"}, {"role": "procurement"}],
                                               "policy": "any"}]
    ok(api.put("/api/v1/workflows/contract", json=doc))
    q = flow.user("q@x.cn", "quality")
    p = flow.user("p@x.cn", "procurement")
    for _ in range(3):
        rec = flow.create(name="A", value=1)
        flow.take(api, rec["id"], "submit")
        before = flow.get(rec["id"])["version"]
        statuses = _race([q, p], rec["id"])
        assert statuses == [200, 409], statuses
        after = flow.get(rec["id"])
        assert after["fields"]["status"] == "active" and after["version"] == before + 1
        assert _kinds(api, rec["id"]) == ["transition", "approve", "approved"]


def test_n_of_m_counted_once_under_concurrency(flow, api):
    doc = workflow_doc()
    doc["states"][0]["approval"]["levels"] = [{"approvers": [{"role": "quality"}, {"role": "procurement"},
                                                             {"role": "finance"}], "policy": "n_of_m", "n": 2}]
    ok(api.put("/api/v1/workflows/contract", json=doc))
    clients = [flow.user("q@x.cn", "quality"), flow.user("p@x.cn", "procurement"), flow.user("f@x.cn", "finance")]
    rec = flow.create(name="A", value=1)
    flow.take(api, rec["id"], "submit")
    statuses = _race(clients, rec["id"])
    assert statuses == [200, 200, 409], statuses
    assert flow.get(rec["id"])["fields"]["status"] == "active"
    assert _kinds(api, rec["id"]) == ["transition", "approve", "approve", "approved"]
