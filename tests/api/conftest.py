"""Fixtures of the API tests: a 'supplier' type built over the API, record helpers, other tokens.
Plain helpers are in ``helpers.py``."""
from __future__ import annotations

import pytest

from recordbase.auth import create_token, create_user

from .helpers import SUPPLIER_FIELDS, make_type


@pytest.fixture
def supplier(api) -> dict:
    return make_type(api, "supplier", SUPPLIER_FIELDS, label="Supplier", label_zh="供应商")


def _token_client(api, app, sessions, email: str, read_only: bool):
    with sessions.begin() as s:
        user = create_user(s, email, "another good password", role="editor")
        token = create_token(s, user, name="other", read_only=read_only)
    return type(api)(app.test_client(), token)


@pytest.fixture
def read_only_api(api, app, sessions):
    return _token_client(api, app, sessions, "reader@example.com", read_only=True)


@pytest.fixture
def other_api(api, app, sessions):
    """A second user with a read-write token."""
    return _token_client(api, app, sessions, "editor@example.com", read_only=False)
