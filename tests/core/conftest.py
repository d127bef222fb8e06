"""Helpers for the core tests: the metamodel service and the record store on a fresh database.

``core`` wraps the ``sessions`` fixture: ``core.meta()`` and ``core.store()`` are
context managers that run one transaction each (committed on success, rolled
back on an exception), the way every surface uses the services.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator, Optional

import pytest
from sqlalchemy import inspect

from recordbase.db import make_engine, make_sessionmaker
from recordbase.metamodel.fieldtypes import FieldDef, ValueContext
from recordbase.metamodel.service import type_to_json

from databases import fresh_database
from services import OWNER_EMAIL, Core, add_user  # noqa: F401 (the core tests import add_user from here)


def fd(field_type: str, options: Optional[dict] = None, **kw: Any) -> FieldDef:
    """A free-standing FieldDef for pure field-type tests."""
    return FieldDef(id=1, type_id=1, name=kw.pop("name", "x"), label=kw.pop("label", "X"), field_type=field_type,
                    options=options or {}, **kw)


def clean(field_type: str, value: Any, options: Optional[dict] = None, ctx: Optional[ValueContext] = None) -> Any:
    f = fd(field_type, options)
    return f.ftype.clean(value, f, ctx or ValueContext())


@pytest.fixture(scope="module")
def module_core(template_db, tmp_path_factory) -> Iterator[Core]:
    """One database for a whole module, for table-driven tests whose cases change nothing
    (each asserts that its operation is refused). Set up what they share in a module fixture."""
    gen = fresh_database(template_db, tmp_path_factory.mktemp("module"))
    engine = make_engine(next(gen))
    sessions = make_sessionmaker(engine)
    yield Core(sessions, add_user(sessions, OWNER_EMAIL, role="owner"))
    engine.dispose()
    next(gen, None)


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


# -- shared by the metamodel service tests (test_metamodel_types.py, test_metamodel_fields.py) ----------

def supplier(core, extra=()):
    core.create_type("supplier", [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
        *extra,
    ], label="Supplier", label_zh="供应商")


def type_json(core, name):
    with core.meta() as m:
        return type_to_json(m.type_model(name))


def indexes(core, type_name):
    """{column: unique?} for the single-column indexes of a type's table."""
    t = core.schema().get(type_name)
    with core.sessions() as s:
        return {ix["column_names"][0]: bool(ix["unique"]) for ix in inspect(s.connection()).get_indexes(t.table.name)}


@pytest.fixture(scope="module")
def shared(module_core):
    """A database with the supplier type, shared by the module's cases that must change nothing."""
    supplier(module_core)
    return module_core


@pytest.fixture
def every_type(core, owner) -> str:
    """A type with a field of every kind (and a linked type), and three records: full, empty, whole numbers."""
    core.create_type("party", [{"name": "name", "label": "Name", "type": "text"}])
    core.create_type("deal", [
        {"name": "title", "label": "Title", "type": "text", "required": True},
        {"name": "notes", "label": "Notes", "type": "long_text"},
        {"name": "score", "label": "Score", "type": "number"},
        {"name": "price", "label": "Price", "type": "decimal", "options": {"precision": 3}},
        {"name": "budget", "label": "Budget", "type": "currency", "options": {"code": "CNY"}},
        {"name": "share", "label": "Share", "type": "percent"},
        {"name": "stars", "label": "Stars", "type": "rating"},
        {"name": "took", "label": "Took", "type": "duration"},
        {"name": "done", "label": "Done", "type": "boolean"},
        {"name": "due", "label": "Due", "type": "date"},
        {"name": "at", "label": "At", "type": "datetime"},
        {"name": "status", "label": "Status", "type": "single_select", "options": {"choices": ["a", "b"]}},
        {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "y"]}},
        {"name": "email", "label": "Email", "type": "email"},
        {"name": "site", "label": "Site", "type": "url"},
        {"name": "owner", "label": "Owner", "type": "user"},
        {"name": "parties", "label": "Parties", "type": "link", "options": {"target": "party", "many": True}},
        {"name": "lead", "label": "Lead", "type": "link", "options": {"target": "party"}},
        {"name": "ref", "label": "Ref", "type": "autonumber", "options": {"pattern": "D-{0000}"}},
        {"name": "made", "label": "Made", "type": "created_at"},
        {"name": "maker", "label": "Maker", "type": "created_by"},
        {"name": "double", "label": "Double", "type": "formula",
         "options": {"expression": "{score} * 2"}},
    ])
    p1 = core.create("party", {"name": "P1"}).id
    p2 = core.create("party", {"name": "P2"}).id
    core.create("deal", {"title": "full", "notes": "n", "score": 2.5, "price": "1.125", "budget": "¥2,000",
                         "share": "85%", "stars": 4, "took": "1h 30m", "done": True, "due": "2026-01-05",
                         "at": "2026-03-04T05:06:07Z", "status": "b", "tags": ["y", "x"], "email": "a@b.cn",
                         "site": "https://example.com", "owner": owner.email, "parties": [p2, p1], "lead": p1})
    core.create("deal", {"title": "empty"})
    core.create("deal", {"title": "whole", "score": 3, "price": "2", "budget": "7", "done": False})
    return "deal"
