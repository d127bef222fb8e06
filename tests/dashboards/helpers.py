"""Helpers of the dashboards tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from support import ok  # noqa: F401  (the one status check; re-exported to this folder's tests)


FIELDS = [
    {"name": "title", "label": "Title", "type": "text"},
    {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
     "options": {"choices": [{"value": "open", "label": "Open", "label_zh": "打开"},
                             {"value": "done", "label": "Done", "label_zh": "完成"}]}},
    {"name": "amount", "label": "Amount", "type": "currency"},
    {"name": "opened", "label": "Opened", "type": "date"},
    {"name": "region", "label": "Region", "type": "single_select", "options": {"choices": ["east", "west"]}},
]

