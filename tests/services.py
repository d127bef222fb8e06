"""The core's services for tests that need no web app: ``Core(sessions, user_id)`` runs the metamodel
service and the record store in one transaction per ``with`` (committed on success, rolled back on an
exception), the way every surface uses them. Importable as ``services`` from every test folder (the root
conftest's folder, ``tests/``, is on ``sys.path``)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

from sqlalchemy import inspect, select

from recordbase.metamodel.runtime import SchemaCache, load_schema, read_version
from recordbase.metamodel.service import MetamodelService
from recordbase.models import User
from recordbase.storage import RecordStore

OWNER_EMAIL = "owner@example.com"

_UNSET: Any = object()


class Core:
    def __init__(self, sessions, user_id: Optional[int]):
        self.sessions = sessions
        self.user_id = user_id
        self.cache = SchemaCache()

    @contextmanager
    def meta(self) -> Iterator[MetamodelService]:
        with self.sessions.begin() as s:
            yield MetamodelService(s)

    @contextmanager
    def store(self, user_id: Any = _UNSET, **kw: Any) -> Iterator[RecordStore]:
        with self.sessions.begin() as s:
            yield RecordStore(s, self.cache.get(s), user_id=self.user_id if user_id is _UNSET else user_id, **kw)

    def schema(self):
        with self.sessions() as s:
            return load_schema(s, read_version(s))

    def version(self) -> int:
        with self.sessions() as s:
            return read_version(s)

    def create_type(self, name: str, fields: list[dict], **kw: Any) -> None:
        with self.meta() as m:
            m.create_type(dict({"name": name, "label": name.title()}, fields=fields, **kw))

    def add_field(self, type_name: str, data: dict) -> None:
        with self.meta() as m:
            m.add_field(type_name, data)

    def create(self, type_name: str, values: dict, **kw: Any):
        with self.store(**kw) as st:
            return st.create(type_name, values)

    def get(self, type_name: str, rid: int, include_deleted: bool = False):
        with self.store() as st:
            return st.get(type_name, rid, include_deleted=include_deleted)

    def values(self, type_name: str, rid: int) -> dict:
        return self.get(type_name, rid).values

    def ids(self, type_name: str, **list_kw: Any) -> list[int]:
        with self.store() as st:
            return [r.id for r in st.list(type_name, limit=1000, **list_kw).records]

    def tables(self) -> set[str]:
        with self.sessions() as s:
            return set(inspect(s.connection()).get_table_names())

    def columns(self, table: str) -> set[str]:
        with self.sessions() as s:
            return {c["name"] for c in inspect(s.connection()).get_columns(table)}

    def raw_column(self, type_name: str, field_name: str) -> dict:
        """{record id: raw stored value} read straight from the table (bypassing the store)."""
        schema = self.schema()
        t = schema.get(type_name)
        f = t.field(field_name)
        with self.sessions() as s:
            return dict(s.execute(select(t.table.c.id, t.table.c[f.column_name])).all())


def add_user(sessions, email: str, role: str = "editor", display_name: Optional[str] = None) -> int:
    """A user without a password (hashing one costs a tenth of a second per test)."""
    with sessions.begin() as s:
        user = User(email=email, role=role, display_name=display_name)
        s.add(user)
        s.flush()
        return user.id
