"""Sample records a pack writes in a state that needs approval (the outsourcing pack's supplier under
admission review, its submitted evaluations) wait for approval like records that got there by a
transition: each gets its approval step. A step that finds no approver (the pack's roles are new:
nobody holds them yet) says so on the record's page, with why, and finds its approvers on a later
scheduler tick once someone holds the role, who then sees it in "My approvals"."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from recordbase import create_app
from recordbase.auth import create_user
from recordbase.automation.models import Notification
from recordbase.context import platform
from recordbase.metamodel.runtime import SchemaCache
from recordbase.workflow.deadlines import run_unassigned
from recordbase.workflow.inbox import count_for
from recordbase.workflow.models import ApprovalAssignee, ApprovalStep

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def pack(outsourcing_with_samples):
    return outsourcing_with_samples


def _steps(pack, type_name: str) -> list[ApprovalStep]:
    with pack.sessions() as s:
        steps = list(s.scalars(select(ApprovalStep).where(ApprovalStep.type_name == type_name,
                                                          ApprovalStep.status == "pending")))
        s.expunge_all()
        return steps


def _signed_in(pack, tmp_path_factory, email: str):
    app = create_app({"DATABASE_URL": pack.url, "TESTING": True, "SECRET_KEY": "t",
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("inst"))})
    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/admin/login/", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return app, client


def test_sample_records_waiting_for_approval_get_their_steps(pack, tmp_path_factory):
    reviews = [r for r in pack.rows("supplier", "id", "name", "status") if r["status"] == "under_review"]
    steps = _steps(pack, "supplier")  # (the sample's, and those the pack's rules sent to review)
    assert reviews and sorted(s.record_id for s in steps) == sorted(r["id"] for r in reviews)
    assert {(s.state, s.level, s.required) for s in steps} == {("under_review", 1, 1)}
    review = reviews[0]
    step = next(s for s in steps if s.record_id == review["id"])
    submitted = [r["id"] for r in pack.rows("evaluation", "id", "status") if r["status"] == "submitted"]
    assert len(submitted) == 7 and sorted(s.record_id for s in _steps(pack, "evaluation")) == sorted(submitted)
    with pack.sessions() as s:  # nobody holds the pack's new roles yet: no approver
        assert s.scalar(select(ApprovalAssignee).where(ApprovalAssignee.step_id == step.id)) is None

    app, client = _signed_in(pack, tmp_path_factory, "admin@example.com")
    details = client.get(f"/admin/records/supplier/details/?id={review['id']}").get_data(as_text=True)
    assert "rb-no-approver" in details and "nobody holds the role Quality" in details
    assert "nobody holds the role Procurement" in details and "nobody holds the role Finance" in details

    # someone is given the quality role: the next scheduler tick finds them, and they are told
    with pack.sessions.begin() as s:
        qa = create_user(s, "qa@example.com", PASSWORD, role="quality").id
    assert run_unassigned(pack.sessions, SchemaCache(), "UTC") == len(steps)  # (the suppliers'; the
    # evaluations wait for their supplier's manager)
    with pack.sessions() as s:
        assert s.scalars(select(ApprovalAssignee.user_id).where(ApprovalAssignee.step_id == step.id)).all() == [qa]
        assert s.scalar(select(Notification).where(Notification.user_id == qa, Notification.record_id == review["id"]))
        store = pack.store(s, user_id=qa)
        assert count_for(store) == len(steps)
    app, qa_client = _signed_in(pack, tmp_path_factory, "qa@example.com")
    mine = qa_client.get("/admin/approvals/").get_data(as_text=True)
    assert f"data-record='supplier-{review['id']}'" in mine or f'data-record="supplier-{review["id"]}"' in mine
    details = client.get(f"/admin/records/supplier/details/?id={review['id']}").get_data(as_text=True)
    assert "rb-no-approver" not in details and "rb-approvers" in details
