"""A repair-request form: a supplier picked from the active ones, a photo, a contact among listed users."""
from __future__ import annotations

import pytest

from access.helpers import make_type, ok

from .helpers import INCIDENT_FIELDS


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
