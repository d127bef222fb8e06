"""Helpers of the access tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

import re
from dataclasses import dataclass
from support import csrf_token_from
from support import ok, sign_in as support_sign_in


PASSWORD = "a long enough password"

SUPPLIER_FIELDS = [
    {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
    {"name": "manager", "label": "Manager", "label_zh": "负责人", "type": "user"},
    {"name": "unified_social_credit_code", "label": "Credit code", "label_zh": "统一社会信用代码", "type": "text"},
    {"name": "rating", "label": "Rating", "type": "number"},
]

CONTRACT_FIELDS = [
    {"name": "title", "label": "Title", "type": "text", "required": True},
    {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
    {"name": "value", "label": "Contract price", "label_zh": "合同价格", "type": "currency"},
    {"name": "risk", "label": "Risk", "type": "text"},
]

SUPPLIER_VIEWER = {
    "name": "supplier_viewer", "label": "Supplier viewer", "label_zh": "供应商查看",
    "permissions": {
        "supplier": {"actions": ["read", "export"], "rows": {"field": "manager", "op": "eq", "value": "@me"},
                     "hidden_fields": ["unified_social_credit_code"], "readonly_fields": []},
        "contract": {"actions": ["read"], "hidden_fields": ["value"]},
    },
}


def err(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:1500])
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["message"], body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def make_type(api, name: str, fields: list[dict], label: str | None = None) -> None:
    ok(api.post("/api/v1/types", json={"name": name, "label": label or name.title()}), 201)
    for f in fields:
        ok(api.post(f"/api/v1/types/{name}/fields", json=f), 201)


@dataclass
class Person:
    email: str
    api: object
    token: str


def sign_in(app, email: str, password: str = PASSWORD):
    return support_sign_in(app, email, password)

def page_csrf(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return csrf_token_from(resp.get_data(as_text=True))


def text(resp) -> str:
    return resp.get_data(as_text=True)


def strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)
