"""Dashboards' tests: a ticket type with records made over the API, an admin client of the owner."""
from __future__ import annotations

import pytest

FIELDS = [
    {"name": "title", "label": "Title", "type": "text"},
    {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
     "options": {"choices": [{"value": "open", "label": "Open", "label_zh": "打开"},
                             {"value": "done", "label": "Done", "label_zh": "完成"}]}},
    {"name": "amount", "label": "Amount", "type": "currency"},
    {"name": "opened", "label": "Opened", "type": "date"},
    {"name": "region", "label": "Region", "type": "single_select", "options": {"choices": ["east", "west"]}},
]


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)[:1500]
    return resp.get_json()


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
