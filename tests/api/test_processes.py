"""Two app instances on one database (as two server processes): a schema change in one is served by the other."""
from __future__ import annotations

import pytest

from recordbase import create_app
from recordbase.context import platform

from .helpers import create, error, ok


@pytest.fixture
def api_b(api, database_url, tmp_path):
    other = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                        "INSTANCE_PATH": str(tmp_path / "instance_b")})
    yield type(api)(other.test_client(), api.token)
    platform(other).engine.dispose()


def test_type_and_field_created_in_one_process_are_served_by_the_other(api, api_b, supplier):
    ok(api_b.get("/api/v1/records/supplier"))  # B has built its schema cache
    ok(api.post("/api/v1/types", json={"name": "contract", "label": "Contract", "label_zh": "合同"}), 201)
    ok(api.post("/api/v1/types/supplier/fields", json={"name": "city", "label": "City", "type": "text"}), 201)
    rec = create(api_b, "supplier", name="Acme", city="Shanghai")
    assert rec["fields"]["city"] == "Shanghai"
    ok(api_b.get("/api/v1/records/contract"))
    doc = ok(api_b.get("/api/v1/openapi.json"))
    assert "/api/v1/records/contract" in doc["paths"]
    ok(api.delete("/api/v1/types/supplier/fields/city"))
    err = error(api_b.post("/api/v1/records/supplier", json={"fields": {"name": "B", "city": "x"}}), 422)
    assert "city" in err["details"]
