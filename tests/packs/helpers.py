"""Helpers of the packs tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

from sqlalchemy import select

from recordbase.auth import create_user
from recordbase.db import make_engine, make_sessionmaker
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.models import RecordTypeModel
from recordbase.packs import from_json
from recordbase.storage import RecordStore


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


def metamodel_dump(sessions) -> dict:
    """Every live type as the API shows it (fields with their options), keyed by name."""
    from recordbase.metamodel.service import type_to_json

    with sessions() as s:
        types = s.scalars(select(RecordTypeModel).where(RecordTypeModel.deleted_at.is_(None))).all()
        return {t.name: type_to_json(t) for t in types}
