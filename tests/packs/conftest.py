"""Fixtures for the pack tests: ``db`` (helpers over one session, ``helpers.Db``), ``other_db``, and a
module-scoped database for the big outsourcing pack (installed once per module with its sample data;
read-only tests share it)."""
from __future__ import annotations

from typing import Iterator

import pytest

from databases import fresh_database

from .fixtures import other_db  # noqa: F401  (fixture)
from .helpers import Db


@pytest.fixture(scope="module")
def module_database_url(template_db, tmp_path_factory) -> Iterator[str]:
    """A fresh migrated database shared by one test module."""
    yield from fresh_database(template_db, tmp_path_factory.mktemp("packs"))


@pytest.fixture
def db(database_url) -> Iterator[Db]:
    d = Db(database_url)
    yield d
    d.dispose()


@pytest.fixture(scope="module")
def outsourcing_with_samples(module_database_url) -> Iterator[Db]:
    """The outsourcing pack with its sample data, installed once per module by admin@example.com (``.uid``)."""
    from recordbase.packs import load

    d = Db(module_database_url)
    d.uid = d.user("admin@example.com")
    d.install(load("outsourcing"), sample_data=True, user_id=d.uid)
    yield d
    d.dispose()
