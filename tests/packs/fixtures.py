"""A second empty instance for the pack round trips (export here, install there): the pack tests get it
through their conftest, the public-form tests import it by name."""
from __future__ import annotations

from typing import Iterator

import pytest

from databases import fresh_database

from .helpers import Db


@pytest.fixture
def other_db(template_db, tmp_path_factory) -> Iterator["Db"]:
    """A second empty instance (for export → install round trips)."""
    gen = fresh_database(template_db, tmp_path_factory.mktemp("other"))
    d = Db(next(gen))
    yield d
    d.dispose()
    next(gen, None)
