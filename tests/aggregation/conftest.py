"""The aggregation engine's tests: the core's ``core`` fixture (metamodel service and record store in
one transaction each), and a ``ticket`` type with a field of every kind the engine groups or measures."""
from __future__ import annotations

import pytest

from services import Core

from .helpers import TICKET_FIELDS


@pytest.fixture
def core(sessions, owner) -> Core:
    """The core's services acting as the owner (the root conftest's, display name Owner)."""
    return Core(sessions, owner.id)


@pytest.fixture
def tickets(core) -> Core:
    core.create_type("customer", [{"name": "name", "label": "Name", "type": "text"}])
    core.create_type("ticket", TICKET_FIELDS + [
        {"name": "customer", "label": "Customer", "type": "link", "options": {"target": "customer"}},
        {"name": "tags", "label": "Tags", "type": "link", "options": {"target": "customer", "many": True}}])
    return core
