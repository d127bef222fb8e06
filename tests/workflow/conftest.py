"""Fixtures of the workflow tests: a contract type with a workflow (submit → two approval levels,
the second only above 500,000), users holding custom roles, an API client per user.
Plain helpers are in ``helpers.py``."""
from __future__ import annotations

import pytest

from .helpers import CONTRACT_FIELDS, Flow, ok, workflow_doc


@pytest.fixture
def flow(app, api) -> Flow:
    f = Flow(app, api)
    ok(api.post("/api/v1/types", json={"name": "contract", "label": "Contract", "label_zh": "合同"}), 201)
    for fd in CONTRACT_FIELDS:
        ok(api.post("/api/v1/types/contract/fields", json=fd), 201)
    ok(api.put("/api/v1/workflows/contract", json=workflow_doc()))
    return f
