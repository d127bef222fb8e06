"""The API's GET requests, and the admin's record list, details and trash pages, run in a
read-only session (recordbase.db.read_only_engine).

On SQLite they take no write lock, so they answer while another writer holds it (an import's
long transaction, say) and see only committed data; their token's last-used time is recorded
when the lock is free and left for later when it is not. (On PostgreSQL a writer never blocks
readers: there the "while another writer" tests check only that uncommitted data stays unseen.)
On PostgreSQL they run in autocommit (no BEGIN and ROLLBACK round trips). Writes keep their
transaction.
"""
from __future__ import annotations

import time
from datetime import datetime

from flask import g
from sqlalchemy import insert, select, update

from recordbase.context import platform
from recordbase.db import make_engine
from recordbase.models import ApiToken

from .conftest import SUPPLIER_FIELDS, make_type, ok


def _other_writer(app, database_url):
    """A second connection (another process, say) in the middle of a write transaction."""
    with platform(app).sessions() as s:
        table = platform(app).schema_cache.get(s).get("supplier").table
    name_col = next(c for c in table.c if c.name.startswith("f_"))
    engine = make_engine(database_url)
    conn = engine.connect()
    trans = conn.begin()  # on SQLite: BEGIN IMMEDIATE, the write lock
    now = datetime(2026, 1, 1)
    conn.execute(insert(table).values({name_col.name: "Uncommitted", "version": 1, "created_at": now,
                                       "updated_at": now}))
    return engine, conn, trans


def test_a_get_answers_at_once_while_another_writer_holds_the_write_lock(app, api, sessions, database_url):
    make_type(api, "supplier", SUPPLIER_FIELDS)
    ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Committed"}}), 201)
    with sessions.begin() as s:  # the token was used a minute ago: this GET wants to record its use again
        s.execute(update(ApiToken).values(last_used_at=None))
    engine, conn, trans = _other_writer(app, database_url)
    try:
        started = time.monotonic()
        body = ok(api.get("/api/v1/records/supplier"))
        assert time.monotonic() - started < 5  # a BEGIN IMMEDIATE would wait 30 s for the lock, then fail
        assert [r["fields"]["name"] for r in body["records"]] == ["Committed"]  # nothing uncommitted
        assert ok(api.get("/api/v1/me"))["email"] == "owner@example.com"
    finally:
        trans.rollback()
        conn.close()
        engine.dispose()
    # the lock is free again: the next GET records the token's use
    ok(api.get("/api/v1/records/supplier"))
    with sessions() as s:
        assert s.scalars(select(ApiToken.last_used_at)).one() is not None


def test_gets_use_the_read_only_session_and_writes_do_not(app, api):
    seen = []

    @app.after_request
    def _note(response):
        session = g.get("_rb_session")
        if session is not None:
            conn = session.connection()
            seen.append((conn.get_execution_options().get("recordbase_read_only", False),
                         getattr(conn.connection.dbapi_connection, "autocommit", None)))
        return response

    make_type(api, "supplier", SUPPLIER_FIELDS)
    seen.clear()
    ok(api.get("/api/v1/records/supplier"))
    ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "A"}}), 201)
    reads, writes = seen
    assert reads[0] is True and writes[0] is False
    if platform(app).engine.dialect.name == "postgresql":
        assert reads[1] is True and writes[1] is False  # autocommit for the read only


def test_the_admin_list_and_details_pages_answer_while_another_writer_holds_the_write_lock(
        app, api, admin_client, database_url):
    make_type(api, "supplier", SUPPLIER_FIELDS)
    rid = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Committed"}}), 201)["id"]
    admin_client.get("/admin/records/supplier/")  # (the sign-in's own writes are done)
    engine, conn, trans = _other_writer(app, database_url)
    try:
        started = time.monotonic()
        listing = admin_client.get("/admin/records/supplier/")
        details = admin_client.get(f"/admin/records/supplier/details/?id={rid}")
        assert time.monotonic() - started < 5
        assert listing.status_code == 200 and details.status_code == 200
        assert "Committed" in listing.get_data(as_text=True)
        assert "Uncommitted" not in listing.get_data(as_text=True)
    finally:
        trans.rollback()
        conn.close()
        engine.dispose()
