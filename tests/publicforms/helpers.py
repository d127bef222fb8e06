"""Helpers of the publicforms tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations


INCIDENT_FIELDS = [
    {"name": "summary", "label": "Summary", "label_zh": "摘要", "type": "text", "required": True},
    {"name": "supplier", "label": "Supplier", "label_zh": "供应商", "type": "link", "options": {"target": "supplier"}},
    {"name": "contact", "label": "Contact", "label_zh": "联系人", "type": "user"},
    {"name": "photo", "label": "Photo", "label_zh": "照片", "type": "attachment",
     "options": {"max_size_mb": 5, "max_files": 2}},
    {"name": "rating", "label": "Rating", "type": "rating"},
    {"name": "internal_note", "label": "Internal note", "type": "text"},
]
