"""Fixtures of the core tests: the metamodel service and the record store on a fresh database.

``core`` wraps the ``sessions`` fixture: ``core.meta()`` and ``core.store()`` are
context managers that run one transaction each (committed on success, rolled
back on an exception), the way every surface uses the services.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from recordbase.db import make_engine, make_sessionmaker

from databases import fresh_database
from services import OWNER_EMAIL, Core, add_user

from .fixtures import core, owner, sessions  # noqa: F401  (fixtures)
from .helpers import supplier


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
