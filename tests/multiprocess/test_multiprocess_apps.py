"""Two app instances on one database (as two processes would be): a type or field created through
app A is served by app B on its next request, without restarting B (design §2)."""
from __future__ import annotations

import pytest

from recordbase.context import platform

pytestmark = pytest.mark.multiprocess


class Client:
    def __init__(self, app, token: str):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url: str):
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, body: dict):
        return self.client.post(url, json=body, headers=self.headers)


def test_type_and_field_created_through_a_are_served_by_b(app, app_b, token):
    a, b = Client(app, token), Client(app_b, token)
    assert platform(app).engine is not platform(app_b).engine

    # B has served a request and cached the schema before the type exists
    assert b.get("/api/v1/records/supplier").status_code == 404

    resp = a.post("/api/v1/types", {"name": "supplier", "label": "Supplier", "label_zh": "供应商"})
    assert resp.status_code == 201, resp.get_json()
    resp = a.post("/api/v1/types/supplier/fields", {"name": "name", "label": "Name", "type": "text"})
    assert resp.status_code == 201, resp.get_json()

    created = b.post("/api/v1/records/supplier", {"fields": {"name": "Acme"}})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["fields"]["name"] == "Acme"

    # a field added through A is usable through B at once, and B's data is visible through A
    resp = a.post("/api/v1/types/supplier/fields", {"name": "score", "label": "Score", "type": "number"})
    assert resp.status_code == 201, resp.get_json()
    resp = b.post("/api/v1/records/supplier", {"fields": {"name": "Globex", "score": 7}})
    assert resp.status_code == 201, resp.get_json()
    listed = a.get("/api/v1/records/supplier?sort=name").get_json()["records"]
    assert [(r["fields"]["name"], r["fields"]["score"]) for r in listed] == [("Acme", None), ("Globex", 7)]

    # an unknown field is still refused by B (its schema is current, not permissive)
    bad = b.post("/api/v1/records/supplier", {"fields": {"name": "X", "nope": 1}})
    assert bad.status_code == 422


def test_a_type_trashed_through_a_disappears_from_b(app, app_b, token):
    a, b = Client(app, token), Client(app_b, token)
    assert a.post("/api/v1/types", {"name": "asset", "label": "Asset"}).status_code == 201
    assert a.post("/api/v1/types/asset/fields", {"name": "tag", "label": "Tag", "type": "text"}).status_code == 201
    assert b.get("/api/v1/records/asset").status_code == 200
    assert a.client.delete("/api/v1/types/asset", headers=a.headers).status_code == 200
    assert b.get("/api/v1/records/asset").status_code == 404
