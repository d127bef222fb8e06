"""Helpers of the workflow tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from typing import Any

from recordbase.access.roles import create_role
from recordbase.auth import create_token, create_user
from recordbase.context import platform
from recordbase.metamodel.service import MetamodelService

from support import ApiClient, ok


PASSWORD = "approver-password-1"

CONTRACT_FIELDS = [
    {"name": "name", "label": "Name", "type": "text"},
    {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
     "options": {"choices": [{"value": "draft", "label": "Draft", "label_zh": "草稿", "color": "#888888"},
                             {"value": "in_approval", "label": "In approval", "label_zh": "审批中", "color": "#f0ad4e"},
                             {"value": "active", "label": "Active", "label_zh": "生效", "color": "#5cb85c"},
                             {"value": "rejected", "label": "Rejected", "label_zh": "已驳回", "color": "#d9534f"}]}},
    {"name": "value", "label": "Value", "type": "number"},
    {"name": "owner", "label": "Owner", "type": "user"},
    {"name": "note", "label": "Note", "type": "text"},
]


def workflow_doc(**approval_overrides: Any) -> dict:
    level1 = {"label": "Department", "label_zh": "部门", "approvers": [{"role": "quality"}, {"role": "procurement"}],
              "policy": "all"}
    level2 = {"label": "Finance director", "label_zh": "财务总监", "approvers": [{"role": "finance"}],
              "policy": "any", "condition": {"field": "value", "op": "gt", "value": 500000}}
    approval = {"levels": [level1, level2], "approved": "active", "rejected": "rejected"}
    approval.update(approval_overrides)
    return {
        "type": "contract", "state_field": "status", "initial": "draft",
        "states": [{"value": "in_approval", "locked_fields": ["value"], "approval": approval},
                   {"value": "active", "locked_fields": ["value", "name"]}],
        "transitions": [
            {"name": "submit", "label": "Submit", "label_zh": "提交", "from": ["draft", "rejected"],
             "to": "in_approval", "required_fields": ["value"]},
            {"name": "withdraw", "label": "Withdraw", "label_zh": "撤回", "from": ["in_approval"], "to": "draft",
             "allowed": [{"user_field": "owner"}]},
            {"name": "terminate", "label": "Terminate", "label_zh": "终止", "from": ["active"], "to": "draft",
             "comment_required": True, "allowed": [{"role": "finance"}]},
        ]}


def error(resp, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:2000])
    return resp.get_json()["error"]


class Flow:
    def __init__(self, app, api):
        self.app = app
        self.api = api
        self.clients: dict[str, ApiClient] = {}
        self.user_ids: dict[str, int] = {}

    def user(self, email: str, role: str) -> ApiClient:
        sessions = platform(self.app).sessions
        with sessions.begin() as s:
            if role not in ("owner", "builder", "editor", "viewer"):
                from recordbase.access.roles import known_role

                if not known_role(s, role):
                    create_role(s, {"name": role, "label": role.title(),
                                    "permissions": {"*": {"actions": ["read", "create", "update"]}}},
                                MetamodelService(s).schema())
            u = create_user(s, email, PASSWORD, role=role)
            self.user_ids[email] = u.id
            tok = create_token(s, u, name="t")
        client = ApiClient(self.app.test_client(), tok)
        self.clients[email] = client
        return client

    def create(self, client: ApiClient = None, **values: Any) -> dict:
        return ok((client or self.api).post("/api/v1/records/contract", json={"fields": values}), 201)

    def get(self, rid: int) -> dict:
        return ok(self.api.get(f"/api/v1/records/contract/{rid}"))

    def take(self, client: ApiClient, rid: int, name: str, status: int = 200, **body: Any):
        resp = client.post(f"/api/v1/records/contract/{rid}/transitions/{name}", json=body)
        return ok(resp) if status == 200 else error(resp, status)
