"""Helpers of the aggregation tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations


TICKET_FIELDS = [
    {"name": "title", "label": "Title", "type": "text"},
    {"name": "status", "label": "Status", "type": "single_select",
     "options": {"choices": [{"value": "open", "label": "Open", "label_zh": "打开"},
                             {"value": "doing", "label": "Doing", "label_zh": "进行中"},
                             {"value": "done", "label": "Done", "label_zh": "完成"}]}},
    {"name": "amount", "label": "Amount", "type": "currency", "options": {"code": "CNY"}},
    {"name": "score", "label": "Score", "type": "number"},
    {"name": "stars", "label": "Stars", "type": "rating"},
    {"name": "spent", "label": "Spent", "type": "duration"},
    {"name": "urgent", "label": "Urgent", "type": "boolean"},
    {"name": "due", "label": "Due", "type": "date"},
    {"name": "opened", "label": "Opened", "type": "datetime"},
    {"name": "assignee", "label": "Assignee", "type": "user"},
    {"name": "secret", "label": "Secret", "type": "number"},
]
