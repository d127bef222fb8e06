"""Fixtures of the form and details page tests: an evaluation with its items (master-detail), KPIs
to link to, users with roles, signed-in clients."""
from __future__ import annotations

import pytest

from recordbase.auth import create_user

from .helpers import EVALUATION, ITEM, KPI, PASSWORD, make_type, ok, sign_in


@pytest.fixture
def world(api):
    """kpi, evaluation (sections, a note without one at the last position) and evaluation_item."""
    make_type(api, "kpi", KPI, primary_field=None)
    make_type(api, "evaluation", EVALUATION)
    make_type(api, "evaluation_item", ITEM)
    ok(api.patch("/api/v1/types/kpi", json={"primary_field": "name"}))
    ok(api.patch("/api/v1/types/evaluation", json={"primary_field": "evaluation_no"}))
    return api


@pytest.fixture
def person(app, sessions, world):
    """``person(role_json)``: a user holding a new custom role, signed in to the admin."""
    made = []

    def make(role: dict):
        ok(world.post("/api/v1/roles", json=role), 201)
        email = f"{role['name']}@example.com"
        with sessions.begin() as s:
            create_user(s, email, PASSWORD, role=role["name"])
        made.append(email)
        return sign_in(app, email)

    return make
