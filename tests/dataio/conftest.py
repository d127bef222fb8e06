"""Fixtures for the import/export tests: a supplier type like the outsourcing pack's, a contract
type linking to it, a store in a transaction, and builders of messy files."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest

from recordbase.auth import create_user
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.metamodel.service import MetamodelService
from recordbase.storage import RecordStore

from .helpers import CONTRACT, SUPPLIER


@pytest.fixture
def types(sessions):
    with sessions.begin() as s:
        create_user(s, "li.wei@example.com", None, role="editor", display_name="李伟")
        svc = MetamodelService(s)
        svc.create_type(SUPPLIER)
        svc.create_type(CONTRACT)


@pytest.fixture
def store_in(sessions, types):
    """``with store_in() as store:`` a RecordStore in a transaction committed at the end."""

    @contextmanager
    def make(lang: str = "en") -> Iterator[RecordStore]:
        with sessions.begin() as s:
            yield RecordStore(s, load_schema(s, read_version(s)), lang=lang)

    return make
