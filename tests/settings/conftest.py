"""Fixtures of the settings tests: another user, signed in through the form.
Plain helpers are in ``helpers.py``."""
from __future__ import annotations

import pytest

from recordbase.auth import create_user

from .helpers import EDITOR_EMAIL, EDITOR_PASSWORD, sign_in


@pytest.fixture
def editor(sessions):
    with sessions.begin() as s:
        user = create_user(s, EDITOR_EMAIL, EDITOR_PASSWORD, role="editor", display_name="Ed")
        s.expunge(user)
    return user


@pytest.fixture
def editor_client(app, editor):
    return sign_in(app, EDITOR_EMAIL, EDITOR_PASSWORD)
