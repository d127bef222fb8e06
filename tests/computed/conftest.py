"""Fixtures of the computed-field tests: build types over the REST API, read and write records,
and run the services directly (metamodel service, record store) for the engine-level tests.
Plain helpers are in ``helpers.py``."""
from __future__ import annotations

import pytest

from services import Core

from .helpers import Rest


@pytest.fixture
def rest(api) -> Rest:
    return Rest(api)


@pytest.fixture
def svc(sessions, owner) -> Core:
    return Core(sessions, owner.id)
