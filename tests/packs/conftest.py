"""Fixtures for the pack tests: helpers over one session, and a module-scoped database for the
big outsourcing pack (installed once per module with its sample data; read-only tests share it)."""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import select

from recordbase.auth import create_user
from recordbase.db import make_engine, make_sessionmaker
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.models import RecordTypeModel
from recordbase.packs import from_json
from recordbase.storage import RecordStore

from databases import fresh_database


@pytest.fixture(scope="module")
def module_database_url(template_db, tmp_path_factory) -> Iterator[str]:
    """A fresh migrated database shared by one test module."""
    yield from fresh_database(template_db, tmp_path_factory.mktemp("packs"))


@pytest.fixture
def other_db(template_db, tmp_path_factory) -> Iterator["Db"]:
    """A second empty instance (for export → install round trips)."""
    gen = fresh_database(template_db, tmp_path_factory.mktemp("other"))
    d = Db(next(gen))
    yield d
    d.dispose()
    next(gen, None)


class Db:
    """A database and its sessionmaker, with the shortcuts the pack tests use."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)

    def user(self, email: str = "owner@example.com", role: str = "owner") -> int:
        with self.sessions.begin() as s:
            u = create_user(s, email, "correct horse battery", role=role)
            s.flush()
            return u.id

    def install(self, pack, sample_data: bool = False, user_id=None, **kw):
        from recordbase.packs.installer import install

        source = pack if not isinstance(pack, dict) else from_json(pack)
        with self.sessions.begin() as s:
            return install(s, source, sample_data=sample_data, user_id=user_id, **kw)

    def store(self, s, user_id=None) -> RecordStore:
        return RecordStore(s, load_schema(s, read_version(s)), user_id=user_id)

    def type_names(self, include_deleted: bool = False) -> set[str]:
        with self.sessions() as s:
            q = select(RecordTypeModel.name)
            if not include_deleted:
                q = q.where(RecordTypeModel.deleted_at.is_(None))
            return set(s.scalars(q))

    def rows(self, type_name: str, *names: str, **kw) -> list[dict]:
        with self.sessions() as s:
            st = self.store(s)
            out, cursor = [], None
            while True:
                page = st.list(type_name, sort="id", limit=500, cursor=cursor, **kw)
                out += [dict(st.to_json(r)["fields"], id=r.id) for r in page.records]
                cursor = page.next_cursor
                if not cursor:
                    break
        return [{n: r.get(n) for n in names} if names else r for r in out]

    def count(self, type_name: str, **kw) -> int:
        with self.sessions() as s:
            return self.store(s).count(type_name, **kw)

    def dispose(self) -> None:
        self.engine.dispose()


@pytest.fixture
def db(database_url) -> Iterator[Db]:
    d = Db(database_url)
    yield d
    d.dispose()


def metamodel_dump(sessions) -> dict:
    """Every live type as the API shows it (fields with their options), keyed by name."""
    from recordbase.metamodel.service import type_to_json

    with sessions() as s:
        types = s.scalars(select(RecordTypeModel).where(RecordTypeModel.deleted_at.is_(None))).all()
        return {t.name: type_to_json(t) for t in types}


@pytest.fixture(scope="module")
def outsourcing_with_samples(module_database_url) -> Iterator[Db]:
    """The outsourcing pack with its sample data, installed once per module by admin@example.com (``.uid``)."""
    from recordbase.packs import load

    d = Db(module_database_url)
    d.uid = d.user("admin@example.com")
    d.install(load("outsourcing"), sample_data=True, user_id=d.uid)
    yield d
    d.dispose()
