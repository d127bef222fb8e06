"""Fixtures of the Chinese-page tests: the outsourcing pack installed with its sample data."""
from __future__ import annotations

import pytest

from recordbase.packs import load as load_pack
from recordbase.packs.installer import install


@pytest.fixture
def outsourcing(app, sessions, owner):
    with sessions.begin() as s:
        install(s, load_pack("outsourcing"), sample_data=True, user_id=owner.id)
