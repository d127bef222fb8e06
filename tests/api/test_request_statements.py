"""How many statements a warm API read sends to the database (issue 20 §3): every request pays for
each one, so a new one on the list or get path must be a decision, not an accident.

Counted at the driver (what SQLite runs: its trace callback; what psycopg is asked to run: its
cursors' ``execute``), so the statements :mod:`recordbase.storage.driver_query` runs past
SQLAlchemy count too. A warm list page or GET on SQLite is BEGIN, the token lookup (which also
brings the schema version and the role signature), the page or the record, and the ROLLBACK
that ends the read; on PostgreSQL the read session is in autocommit: the two SELECTs only.
"""
from __future__ import annotations

import pytest

from recordbase.context import platform

from support import driver_statements

from .helpers import SUPPLIER_FIELDS, make_type, ok


def _kinds(statements: list[str]) -> list[str]:
    return [s.split()[0].upper() for s in statements]


@pytest.fixture
def suppliers(api):
    make_type(api, "supplier", SUPPLIER_FIELDS)
    ids = [ok(api.post("/api/v1/records/supplier", json={"fields": {"name": f"S{i}", "score": i}}), 201)["id"]
           for i in range(5)]
    return ids


def _warm_count(app, api, monkeypatch, url: str) -> list[str]:
    """The statements of ``url``'s third request (the first ones fill the process's caches, and
    record the token's use)."""
    with driver_statements(app, monkeypatch) as seen:
        for _ in range(2):
            ok(api.get(url))
        seen.clear()
        body = ok(api.get(url))
        statements = list(seen)
    assert body
    return statements


def test_a_warm_list_page_sends_the_token_lookup_and_its_page_only(app, api, monkeypatch, suppliers):
    statements = _warm_count(app, api, monkeypatch, "/api/v1/records/supplier?sort=-score&limit=3")
    expected = ["SELECT", "SELECT"]
    if platform(app).engine.dialect.name == "sqlite":
        expected = ["BEGIN", "SELECT", "SELECT", "ROLLBACK"]
    assert _kinds(statements) == expected, statements
    assert "rb_api_token" in statements[-3 if len(statements) == 4 else 0]


def test_a_warm_get_sends_the_token_lookup_and_its_record_only(app, api, monkeypatch, suppliers):
    statements = _warm_count(app, api, monkeypatch, f"/api/v1/records/supplier/{suppliers[2]}")
    expected = ["SELECT", "SELECT"]
    if platform(app).engine.dialect.name == "sqlite":
        expected = ["BEGIN", "SELECT", "SELECT", "ROLLBACK"]
    assert _kinds(statements) == expected, statements


def test_the_kept_first_page_statements_still_answer_each_request_with_its_own_page(app, api, suppliers):
    """The first page's statements are kept per sort with the page size bound at each request: other
    sizes, directions and the trash each get their own rows."""
    def names(url):
        return [r["fields"]["name"] for r in ok(api.get(url))["records"]]
    assert names("/api/v1/records/supplier?sort=-score&limit=2") == ["S4", "S3"]
    assert names("/api/v1/records/supplier?sort=-score&limit=4") == ["S4", "S3", "S2", "S1"]
    assert names("/api/v1/records/supplier?sort=score&limit=2") == ["S0", "S1"]
    ok(api.delete(f"/api/v1/records/supplier/{suppliers[4]}"))
    assert names("/api/v1/records/supplier?sort=-score&limit=2") == ["S3", "S2"]
    assert names("/api/v1/records/supplier?sort=-score&limit=2&trash=1") == ["S4"]
    page = ok(api.get("/api/v1/records/supplier?sort=-score&limit=2"))
    rest = ok(api.get(f"/api/v1/records/supplier?sort=-score&limit=2&cursor={page['next_cursor']}"))
    assert [r["fields"]["name"] for r in rest["records"]] == ["S1", "S0"]
