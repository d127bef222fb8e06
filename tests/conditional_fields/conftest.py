"""A type with conditional fields, made through the metamodel API: an incident report whose
"root cause" shows for incidents, is required when the severity is high or critical, and whose
"resolution" cannot change once the report is closed; and a type whose condition reads a lookup
through a link (the supplier's status)."""
from __future__ import annotations

import pytest

from .helpers import CONDITIONS, ORDER, REPORT, SUPPLIER, ok


@pytest.fixture
def report_type(api):
    ok(api.post("/api/v1/types", json=REPORT), 201)
    for name, conditions in CONDITIONS.items():
        ok(api.patch(f"/api/v1/types/report/fields/{name}", json={"conditions": conditions}))
    return "report"


@pytest.fixture
def order_type(api):
    ok(api.post("/api/v1/types", json=SUPPLIER), 201)
    ok(api.post("/api/v1/types", json=ORDER), 201)
    return "purchase"
