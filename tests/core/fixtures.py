"""The core's fixtures: sessions on the test's fresh database without the web app, the owner acting, and
``core`` (the metamodel service and the record store, one transaction each). The core tests get them through
their conftest; the record-title tests import them by name."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from recordbase.db import make_engine, make_sessionmaker

from services import OWNER_EMAIL, Core, add_user


@pytest.fixture
def sessions(database_url):
    """Sessions on the fresh database, without building the web app (the core needs no Flask)."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def owner(sessions):
    """The acting user of ``core`` (shadows the app-level fixture of the same name)."""
    uid = add_user(sessions, OWNER_EMAIL, role="owner", display_name="Owner")
    return SimpleNamespace(id=uid, email=OWNER_EMAIL)


@pytest.fixture
def core(sessions, owner) -> Core:
    return Core(sessions, owner.id)
