"""Fixtures of the admin tests."""
from __future__ import annotations

import pytest

from admin_helpers import SUPPLIER, create_type


@pytest.fixture
def supplier(admin_client, sessions) -> str:
    """A 'supplier' type created through the MetamodelService after the app served requests."""
    create_type(sessions, SUPPLIER)
    return "supplier"
