"""Dashboards' tests: a ticket type with records made over the API, an admin client of the owner."""
from __future__ import annotations

import pytest

from .helpers import FIELDS, ok


@pytest.fixture
def tickets(api):
    ok(api.post("/api/v1/types", json={"name": "ticket", "label": "Ticket", "label_zh": "工单"}), 201)
    for f in FIELDS:
        ok(api.post("/api/v1/types/ticket/fields", json=f), 201)
    for status, amount, opened, region in [("open", 10, "2026-01-05", "east"), ("open", 5, "2026-02-05", "west"),
                                           ("done", 7.5, "2026-02-06", "east")]:
        ok(api.post("/api/v1/records/ticket", json={"fields": {"title": f"T {status} {amount}", "status": status,
                                                                "amount": amount, "opened": opened, "region": region}}), 201)
    return api
