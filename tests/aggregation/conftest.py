"""The aggregation engine's tests: the core's ``core`` fixture (metamodel service and record store in
one transaction each), and a ``ticket`` type with a field of every kind the engine groups or measures."""
from __future__ import annotations

import pytest

from services import Core, add_user  # noqa: F401  (the aggregation tests import add_user from here)


@pytest.fixture
def core(sessions, owner) -> Core:
    """The core's services acting as the owner (the root conftest's, display name Owner)."""
    return Core(sessions, owner.id)


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


@pytest.fixture
def tickets(core) -> Core:
    core.create_type("customer", [{"name": "name", "label": "Name", "type": "text"}])
    core.create_type("ticket", TICKET_FIELDS + [
        {"name": "customer", "label": "Customer", "type": "link", "options": {"target": "customer"}},
        {"name": "tags", "label": "Tags", "type": "link", "options": {"target": "customer", "many": True}}])
    return core
