"""Fixtures of the access-control tests: the issue's suppliers and contracts, users with roles, clients.

- ``supplier`` (name, manager: user, unified_social_credit_code, rating) and ``contract``
  (title, supplier: link, value: currency, risk) made over the API by the owner;
- ``people``: alice and bob (supplier managers: the custom role ``supplier_viewer``, which
  reads and exports suppliers they manage, hides the credit code and the contract value),
  an auditor (viewer), an editor and a builder; each with an API client.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from recordbase.auth import create_token, create_user


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


def ok(resp, status: int = 200) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:1500])
    return resp.get_json()


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


@pytest.fixture
def world(api):
    """The two types, the custom role, and some records (ids in the returned dict)."""
    make_type(api, "supplier", SUPPLIER_FIELDS)
    make_type(api, "contract", CONTRACT_FIELDS)
    ok(api.post("/api/v1/roles", json=SUPPLIER_VIEWER), 201)
    return api


def csrf_token_from(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


@dataclass
class Person:
    email: str
    api: object
    token: str


@pytest.fixture
def people(app, sessions, world):
    out = {}
    specs = {"alice": ["supplier_viewer"], "bob": ["supplier_viewer"], "auditor": ["viewer"],
             "editor": ["editor"], "builder": ["builder"]}
    with sessions.begin() as s:
        for name, roles in specs.items():
            u = create_user(s, f"{name}@example.com", PASSWORD, role=roles[0], display_name=name.title())
            out[name] = Person(u.email, None, create_token(s, u, name="tests"))
    for p in out.values():
        p.api = type(world)(app.test_client(), p.token)  # the root conftest's ApiClient
    out["owner"] = Person("owner@example.com", world, world.token)
    return out


@pytest.fixture
def records(world, people):
    """Suppliers managed by alice (2) and bob (1), and contracts of each."""
    api = world

    def sup(name, manager, code):
        return ok(api.post("/api/v1/records/supplier", json={"fields": {
            "name": name, "manager": manager, "unified_social_credit_code": code, "rating": 4}}), 201)["id"]

    ids = {"a1": sup("Acme", "alice@example.com", "91310000ACME"),
           "a2": sup("Anchor", "alice@example.com", "91310000ANCH"),
           "b1": sup("Bolt", "bob@example.com", "91310000BOLT")}
    for key in ("a1", "b1"):
        ids["c_" + key] = ok(api.post("/api/v1/records/contract", json={"fields": {
            "title": f"Contract of {key}", "supplier": ids[key], "value": "123456.78", "risk": "low"}}), 201)["id"]
    return ids


def sign_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    page = client.get("/admin/login/")
    token = csrf_token_from(page.get_data(as_text=True))
    resp = client.post("/admin/login/", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    return client


def page_csrf(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return csrf_token_from(resp.get_data(as_text=True))


def text(resp) -> str:
    return resp.get_data(as_text=True)


def strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)
