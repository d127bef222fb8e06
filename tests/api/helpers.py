"""Helpers of the api tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from support import ok  # noqa: F401  (the one status check; re-exported to this folder's tests)


OWNER_EMAIL = "owner@example.com"  # the root conftest's owner

SUPPLIER_FIELDS = [
    {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
    {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
    {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
     "options": {"choices": ["active", {"value": "paused", "label": "Paused", "label_zh": "暂停"}, "closed"]}},
    {"name": "since", "label": "Since", "label_zh": "合作开始", "type": "date"},
    {"name": "email", "label": "Email", "label_zh": "邮箱", "type": "email"},
]


def error(resp, status: int, code: str | None = None) -> dict:
    """Assert an error response with the contract's body and return its 'error' object."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:1000])
    body = resp.get_json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err["code"], str) and isinstance(err["message"], str) and err["message"], err
    if code:
        assert err["code"] == code, err
    return err


def make_type(api, name: str, fields: list[dict], label: str | None = None, **extra) -> dict:
    return ok(api.post("/api/v1/types", json={"name": name, "label": label or name.title(), **extra}), 201) | {
        "fields": [ok(api.post(f"/api/v1/types/{name}/fields", json=f), 201) for f in fields]}


def create(api, type_name: str, **values) -> dict:
    return ok(api.post(f"/api/v1/records/{type_name}", json={"fields": values}), 201)


def count(api, type_name: str, **params) -> int:
    return ok(api.get(f"/api/v1/records/{type_name}", query_string={"count": "1", "limit": 1, **params}))["count"]


def list_all(api, type_name: str, **params) -> list[dict]:
    """Every record, following next_cursor."""
    out, cursor = [], None
    for _ in range(1000):
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        page = ok(api.get(f"/api/v1/records/{type_name}", query_string=q))
        out.extend(page["records"])
        cursor = page["next_cursor"]
        if not cursor:
            return out
    raise AssertionError("pagination did not end")
