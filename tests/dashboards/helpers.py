"""Helpers of the dashboards tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations


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
