"""A repair-request form: a supplier picked from the active ones, a photo, a contact among listed users."""
from __future__ import annotations

import pytest

from access.conftest import make_type, ok

INCIDENT_FIELDS = [
    {"name": "summary", "label": "Summary", "label_zh": "摘要", "type": "text", "required": True},
    {"name": "supplier", "label": "Supplier", "label_zh": "供应商", "type": "link", "options": {"target": "supplier"}},
    {"name": "contact", "label": "Contact", "label_zh": "联系人", "type": "user"},
    {"name": "photo", "label": "Photo", "label_zh": "照片", "type": "attachment",
     "options": {"max_size_mb": 5, "max_files": 2}},
    {"name": "rating", "label": "Rating", "type": "rating"},
    {"name": "internal_note", "label": "Internal note", "type": "text"},
]


@pytest.fixture
def world(api, sessions):
    from recordbase.auth import create_user

    make_type(api, "supplier", [{"name": "name", "label": "Name", "type": "text"},
                                {"name": "status", "label": "Status", "type": "single_select",
                                 "options": {"choices": ["active", "suspended"]}}])
    make_type(api, "incident", INCIDENT_FIELDS)
    ids = {}
    for name, status in (("Acme Cleaning", "active"), ("Bolt Security", "active"), ("Shady Ltd", "suspended")):
        ids[name] = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": name, "status": status}}),
                       201)["id"]
    ok(api.post("/api/v1/views", json={"name": "Active suppliers", "type": "supplier",
                                       "filter": {"field": "status", "op": "eq", "value": "active"}}), 201)
    with sessions.begin() as s:
        create_user(s, "facilities@example.com", None, role="viewer", display_name="Facilities desk")
        create_user(s, "secret.person@example.com", None, role="viewer", display_name="Secret Person")
    return ids


@pytest.fixture
def form(api, world):
    return ok(api.post("/api/v1/types/incident/forms", json={
        "title": "Report a problem", "title_zh": "报修",
        "fields": ["summary", "supplier", "contact", "photo", "rating"],
        "settings": {"link_views": {"supplier": "Active suppliers"},
                     "user_choices": {"contact": ["facilities@example.com"]},
                     "help": {"photo": {"en": "A photo of the problem", "zh": "问题的照片"}},
                     "uploads": {"max_size_mb": 1, "allowed_types": ["image/*"]},
                     "prefill": True}}), 201)
