"""A record type to look at in every kind of view: tasks with a coloured status, an assignee, a due
date, a start/end pair, a cover picture field and a secret field some readers may not see."""
from __future__ import annotations

import pytest

from recordbase.auth import create_user

from support import ApiClient

from .helpers import PASSWORD, TASK, ok


@pytest.fixture
def tasks(api: ApiClient, sessions) -> dict:
    """The task type, 12 tasks (5 to do, 4 doing, 3 done; two in the 'east' rows), users and roles:
    vera (viewer), eddie (editor), rita (reads tasks whose points are below 10, 'secret' hidden)."""
    ok(api.post("/api/v1/types", json=TASK), 201)
    ok(api.post("/api/v1/roles", json={"name": "limited", "label": "Limited", "permissions": {"task": {
        "actions": ["read", "update"], "rows": {"field": "points", "op": "lt", "value": 10},
        "hidden_fields": ["secret"]}}}), 201)
    with sessions.begin() as s:
        create_user(s, "vera@example.com", PASSWORD, role="viewer")
        create_user(s, "eddie@example.com", PASSWORD, role="editor")
        create_user(s, "rita@example.com", PASSWORD, role="limited")
    ids = {}
    statuses = ["todo"] * 5 + ["doing"] * 4 + ["done"] * 3
    for i, status in enumerate(statuses):
        rec = ok(api.post("/api/v1/records/task", json={"fields": {
            "title": f"Task {i + 1}", "status": status, "due": f"2026-12-{i + 1:02d}", "points": i * 2,
            "starts": "2026-12-10", "ends": "2026-12-12", "secret": f"s{i}"}}), 201)
        ids[f"t{i + 1}"] = rec["id"]
    return ids
