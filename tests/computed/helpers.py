"""Helpers of the computed tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from typing import Any, Optional
from support import ok  # noqa: F401  (the one status check; re-exported to this folder's tests)


def error(resp, status: Optional[int] = None) -> dict:
    """A 4xx with the contract's error body (``status`` exact when given); its 'error' object."""
    text = resp.get_data(as_text=True)[:1500]
    if status is not None:
        assert resp.status_code == status, (resp.status_code, text)
    assert 400 <= resp.status_code < 500, (resp.status_code, text)
    err = resp.get_json()["error"]
    assert err["code"] and err["message"], err
    return err


class Rest:
    """The API client with helpers for types, fields and records."""

    def __init__(self, api):
        self.api = api

    def make_type(self, name: str, fields: list[dict], label: Optional[str] = None) -> dict:
        body = ok(self.api.post("/api/v1/types", json={"name": name, "label": label or name.title()}), 201)
        for f in fields:
            self.add_field(name, f)
        return body

    def add_field(self, type_name: str, field: dict) -> dict:
        return ok(self.api.post(f"/api/v1/types/{type_name}/fields", json=field), 201)

    def field(self, type_name: str, name: str) -> dict:
        return ok(self.api.get(f"/api/v1/types/{type_name}/fields/{name}"))

    def field_names(self, type_name: str) -> list[str]:
        return [f["name"] for f in ok(self.api.get(f"/api/v1/types/{type_name}"))["fields"]]

    def create(self, type_name: str, **values: Any) -> dict:
        return ok(self.api.post(f"/api/v1/records/{type_name}", json={"fields": values}), 201)

    def get(self, type_name: str, rid: int) -> dict:
        return ok(self.api.get(f"/api/v1/records/{type_name}/{rid}"))

    def values(self, type_name: str, rid: int) -> dict:
        return self.get(type_name, rid)["fields"]

    def update(self, type_name: str, rid: int, **values: Any) -> dict:
        version = self.get(type_name, rid)["version"]
        return ok(self.api.patch(f"/api/v1/records/{type_name}/{rid}", json={"fields": values, "version": version}))

    def delete(self, type_name: str, rid: int) -> dict:
        return ok(self.api.delete(f"/api/v1/records/{type_name}/{rid}"))

    def restore(self, type_name: str, rid: int) -> dict:
        return ok(self.api.post(f"/api/v1/records/{type_name}/{rid}/restore"))

    def list(self, type_name: str, **params: Any) -> list[dict]:
        return ok(self.api.get(f"/api/v1/records/{type_name}", query_string={"limit": 1000, **params}))["records"]
