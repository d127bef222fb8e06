"""Helpers of the airtable tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations


SUPPLIER = {
    "name": "supplier", "label": "Supplier", "label_zh": "供应商", "primary_field": "name",
    "fields": [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
        {"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
         "options": {"choices": [{"value": "active", "label": "Active", "label_zh": "合作中"},
                                 {"value": "paused", "label": "Paused", "label_zh": "暂停"},
                                 {"value": "closed", "label": "Closed", "label_zh": "终止"}]}},
        {"name": "since", "label": "Since", "type": "date"},
        {"name": "backup", "label": "Backup", "type": "boolean"},
        {"name": "on_time", "label": "On time", "type": "percent"},
        {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["cleaning", "catering", "it"]}},
        {"name": "manager", "label": "Manager", "type": "user"},
        {"name": "deposit", "label": "Deposit", "type": "currency", "options": {"code": "CNY"}},
        {"name": "grade", "label": "Grade", "type": "formula",
         "options": {"expression": "IF({Score} >= 90, 'A', IF({Score} >= 60, 'B', 'C'))"}},
    ],
}

CONTRACT = {
    "name": "contract", "label": "Contract", "label_zh": "合同", "primary_field": "title",
    "fields": [
        {"name": "title", "label": "Title", "type": "text", "required": True},
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
        {"name": "others", "label": "Other suppliers", "type": "link", "options": {"target": "supplier", "many": True}},
    ],
}

BASE = "appRecordbase0001"
