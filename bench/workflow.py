"""Workflow costs (issue 18's figures).

    python bench/workflow.py                      # temporary SQLite file
    python bench/workflow.py --database-url postgresql://postgres@127.0.0.1:5432/bench

(a) A transition against a plain update, each its own transaction through the record store, on a
    type with a workflow and an enabled ``record_updated`` rule (evaluated by both): the transition
    writes the state (record history, rules), its decision (timeline and history rows), and moving
    into the approval state opens a step whose approver is notified (target: <= 2x a plain update).
(b) "My approvals" for an approver with 10,000 pending steps against the plain list page of the same
    type, both through the admin with a signed-in session (target: <= 1.5x).
Each pair is timed alternately (``timing.interleaved_medians``), so that other load hits both alike.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app import bench_app, release  # noqa: E402
from timing import interleaved_medians  # noqa: E402

from recordbase.auth import create_user  # noqa: E402
from recordbase.automation.rules import RuleService  # noqa: E402
from recordbase.metamodel.service import MetamodelService  # noqa: E402
from recordbase.models import utcnow  # noqa: E402
from recordbase.storage import RecordStore  # noqa: E402
from recordbase.workflow.engine import WorkflowEngine  # noqa: E402
from recordbase.workflow.models import ApprovalAssignee, ApprovalStep  # noqa: E402
from recordbase.workflow.service import WorkflowService  # noqa: E402

OWNER, APPROVER, PASSWORD = "bench-owner@example.com", "bench-approver@example.com", "bench-password-1"
TYPE = "bench_flow"


def setup(plat, owner_id: int) -> int:
    with plat.sessions.begin() as s:
        approver = create_user(s, APPROVER, PASSWORD, role="editor")
        MetamodelService(s).create_type({"name": TYPE, "label": "Bench flow", "fields": [
            {"name": "name", "label": "Name", "type": "text"},
            {"name": "stage", "label": "Stage", "type": "single_select", "options": {"choices": ["a", "b"]}},
            {"name": "note", "label": "Note", "type": "text"}]})
        schema = MetamodelService(s).schema()
        WorkflowService(s, schema).save({
            "type": TYPE, "state_field": "stage", "initial": "a",
            "states": [{"value": "b", "approval": {"levels": [{"approvers": [{"user": APPROVER}]}],
                                                   "approved": "a", "rejected": "a"}}],
            "transitions": [{"name": "go", "label": "Go", "from": ["a"], "to": "b"},
                            {"name": "back", "label": "Back", "from": ["b"], "to": "a"}]})
        RuleService(s, MetamodelService(s).schema()).create({
            "name": "never", "type": TYPE, "enabled": True, "trigger": {"on": "record_updated"},
            "condition": {"field": "name", "op": "eq", "value": "never matches"},
            "actions": [{"do": "notify", "users": [OWNER], "message": "x"}]}, owner_id)
        return approver.id


def bench_transition(plat, owner_id: int, repeat: int) -> tuple[float, float]:
    with plat.sessions.begin() as s:
        store = RecordStore(s, plat.schema_cache.get(s), user_id=owner_id)
        plain = store.create(TYPE, {"name": "plain"}).id
        flowing = store.create(TYPE, {"name": "flowing"}).id
    n = {"i": 0}

    def update() -> None:
        n["i"] += 1
        with plat.sessions.begin() as s:
            RecordStore(s, plat.schema_cache.get(s), user_id=owner_id).update(TYPE, plain, {"note": str(n["i"])})

    state = {"at": "a"}

    def transition() -> None:  # a → b (opens a step, notifies its approver), b → a (closes it)
        with plat.sessions.begin() as s:
            store = RecordStore(s, plat.schema_cache.get(s), user_id=owner_id)
            WorkflowEngine(store).take(TYPE, flowing, "go" if state["at"] == "a" else "back")
        state["at"] = "b" if state["at"] == "a" else "a"

    return interleaved_medians(transition, update, repeat)


def load_pending(plat, owner_id: int, approver_id: int, n: int) -> None:
    with plat.sessions.begin() as s:
        store = RecordStore(s, plat.schema_cache.get(s), user_id=owner_id)
        store.workflow_bypass = True
        ids = store.create_many(TYPE, [{"name": f"Record {i}", "stage": "b"} for i in range(n)]).ids
        now = utcnow()
        for start in range(0, n, 1000):
            chunk = ids[start:start + 1000]
            step_ids = [s.execute(insert(ApprovalStep).values(
                type_name=TYPE, record_id=rid, state="b", level=1, required=1, slots=[{"user": APPROVER}],
                status="pending", submitted_by=owner_id, created_at=now, escalated=False).returning(ApprovalStep.id))
                .scalar_one() for rid in chunk]
            s.execute(insert(ApprovalAssignee), [{"step_id": sid, "slot": 0, "user_id": approver_id} for sid in step_ids])


def signed_in(app):
    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login/", data={"email": APPROVER, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code in (302, 303), resp.status_code
    return client


def bench_inbox(app, repeat: int) -> tuple[float, float]:
    client = signed_in(app)

    def approvals() -> None:
        resp = client.get("/admin/approvals/")
        assert resp.status_code == 200 and "rb-approval" in resp.get_data(as_text=True)

    def listing() -> None:
        assert client.get(f"/admin/records/{TYPE}/").status_code == 200

    return interleaved_medians(approvals, listing, repeat)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url")
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--pending", type=int, default=10_000)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rb-bench-workflow-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    app, plat, owner_id = bench_app(url, tmp / "instance", OWNER, PASSWORD)
    try:
        approver_id = setup(plat, owner_id)
        t, u = bench_transition(plat, owner_id, args.repeat)
        print(f"transition {t:.2f} ms, plain update {u:.2f} ms: {t / u:.2f}x (target <= 2x)")
        load_pending(plat, owner_id, approver_id, args.pending)
        a, lst = bench_inbox(app, max(20, args.repeat // 5))
        print(f"My approvals over {args.pending} pending steps {a:.2f} ms, plain list page {lst:.2f} ms: "
              f"{a / lst:.2f}x (target <= 1.5x)")
    finally:
        release(_Cleanup(plat), tmp, args.database_url, args.keep)


class _Cleanup:
    """What ``release`` needs: the engine, and (for a given database) removing what the run made:
    its type (purged), its workflow, steps, users and their rule."""

    def __init__(self, plat):
        self.engine = plat.engine
        self.sessions = plat.sessions

    def cleanup(self) -> None:
        from sqlalchemy import delete

        from recordbase.automation.models import Notification, Rule
        from recordbase.models import User
        from recordbase.workflow.models import Workflow, WorkflowDecision

        with self.sessions.begin() as s:
            for model, cond in ((ApprovalStep, ApprovalStep.type_name == TYPE), (Workflow, Workflow.type_name == TYPE),
                                (WorkflowDecision, WorkflowDecision.type_name == TYPE), (Rule, Rule.type_name == TYPE),
                                (Notification, Notification.type_name == TYPE)):
                s.execute(delete(model).where(cond))
            svc = MetamodelService(s)
            svc.delete_type(TYPE)
            svc.purge_type(TYPE)
            s.execute(delete(User).where(User.email.in_([APPROVER, OWNER])))


if __name__ == "__main__":
    main()
