"""The API's GET requests, and the admin's GET pages, run in a
read-only session (recordbase.db.read_only_engine), which refuses writes.

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

import pytest

from flask import g
from sqlalchemy import event, insert, select, text, update

from recordbase.context import platform
from recordbase.db import WRITE_ALLOWED, WriteInReadOnlySession, make_engine
from recordbase.models import ApiToken

from .helpers import SUPPLIER_FIELDS, make_type, ok


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


def test_an_airtable_api_get_answers_while_another_writer_holds_the_write_lock(app, api, token, database_url):
    """The Airtable-compatible ``/v0`` API reads in the read-only session too."""
    make_type(api, "supplier", SUPPLIER_FIELDS)
    ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Committed"}}), 201)
    client = app.test_client(use_cookies=False)
    engine, conn, trans = _other_writer(app, database_url)
    try:
        started = time.monotonic()
        resp = client.get("/v0/appRecordbase0001/supplier", headers={"Authorization": f"Bearer {token}"})
        assert time.monotonic() - started < 5
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert [r["fields"].get("Name") for r in resp.get_json()["records"]] == ["Committed"]
    finally:
        trans.rollback()
        conn.close()
        engine.dispose()


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


ADMIN_PAGES = ["/admin/", "/admin/records/supplier/", "/admin/records/supplier/details/?id={rid}",
               "/admin/records/supplier/new/", "/admin/records/supplier/edit/?id={rid}",
               "/admin/records/supplier/trash/", "/admin/records/supplier/export/csv/",
               "/admin/metamodel/", "/admin/metamodel/types/supplier/", "/admin/metamodel/types/supplier/edit/",
               "/admin/metamodel/types/supplier/fields/name/edit/", "/admin/metamodel/types/supplier/fields/new/",
               "/admin/metamodel/types/supplier/layout/", "/admin/metamodel/types/supplier/preview/",
               "/admin/metamodel/types/new/", "/admin/rules/", "/admin/rules/new/", "/admin/rules/runs/",
               "/admin/inbox/", "/admin/packs/", "/admin/users/", "/admin/roles/", "/admin/roles/edit/?name=owner",
               "/admin/audit/", "/admin/import/"]


def test_the_admin_pages_answer_while_another_writer_holds_the_write_lock(app, api, admin_client, database_url):
    make_type(api, "supplier", SUPPLIER_FIELDS)
    rid = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Committed"}}), 201)["id"]
    admin_client.get("/admin/records/supplier/")  # (the sign-in's own writes are done)
    engine, conn, trans = _other_writer(app, database_url)
    try:
        for url in ADMIN_PAGES:
            started = time.monotonic()
            page = admin_client.get(url.format(rid=rid))
            assert time.monotonic() - started < 5, url  # a BEGIN IMMEDIATE would wait 30 s for the lock, then fail
            assert page.status_code == 200, (url, page.status_code)
        listing = admin_client.get("/admin/records/supplier/").get_data(as_text=True)
        assert "Committed" in listing and "Uncommitted" not in listing
    finally:
        trans.rollback()
        conn.close()
        engine.dispose()


def test_a_write_in_a_read_only_session_is_refused(app, api, sessions):
    """A page marked as only reading that writes is a bug: the write is refused before it reaches the
    database (on PostgreSQL it would commit at once, outside the request's transaction)."""
    make_type(api, "supplier", SUPPLIER_FIELDS)
    read_sessions = platform(app).read_sessions
    with read_sessions() as s:
        assert s.execute(select(ApiToken.id)).all()  # reads are fine
        with pytest.raises(WriteInReadOnlySession, match="tried to write"):
            s.execute(update(ApiToken).values(name="changed"))
        s.rollback()
        with pytest.raises(WriteInReadOnlySession):
            s.execute(text("/* a note */\n-- and another\nupdate rb_api_token SET name = 'changed'"))
        s.rollback()
        s.execute(update(ApiToken).values(last_used_at=datetime(2026, 1, 2)),
                  execution_options={WRITE_ALLOWED: True})  # (the token touch, in a transaction of its own)
        s.commit()
    with sessions() as s:
        assert s.scalars(select(ApiToken.name)).one() != "changed"
        assert s.scalars(select(ApiToken.last_used_at)).one() == datetime(2026, 1, 2)
        s.execute(update(ApiToken).values(name="changed"))  # the ordinary session writes
        s.commit()


def test_a_list_page_reads_on_the_driver_only(app, api):
    """Once warm, a list request's two queries (the token lookup, the page) run on the driver
    (recordbase.storage.driver_query), not through SQLAlchemy's execution layer: every API
    request pays for them. (A statement SQLAlchemy cannot run there falls back, silently: this
    is what notices.)"""
    make_type(api, "supplier", SUPPLIER_FIELDS)
    for name in ("A", "B", "C"):
        ok(api.post("/api/v1/records/supplier", json={"fields": {"name": name}}), 201)
    url = "/api/v1/records/supplier?sort=-name&limit=2"
    for _ in range(2):
        ok(api.get(url))  # (the first also records the token's use, through SQLAlchemy)
    through_sqlalchemy = []
    engine = platform(app).engine

    def seen(conn, cursor, statement, *args):
        through_sqlalchemy.append(statement)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        body = ok(api.get(url))
        assert [r["fields"]["name"] for r in body["records"]] == ["C", "B"]
        ok(api.get("/api/v1/me"))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert through_sqlalchemy == []


def test_a_get_reads_on_one_pooled_connection_and_its_session_begins_nothing(app, api):
    """A warm GET (list or one record) checks out one pooled connection, reads its token and its
    records there in one read transaction, and gives it back: the request's ORM session (made for
    the record store) begins no transaction of its own (recordbase.context.db_session: that cost
    every GET more than its queries)."""
    from sqlalchemy.orm import Session

    make_type(api, "supplier", SUPPLIER_FIELDS)
    rid = ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Acme"}}), 201)["id"]
    ok(api.get("/api/v1/records/supplier"))  # (records the token's use, through the session)
    engine = platform(app).engine
    checkouts, checkins, session_begins = [], [], []

    def checkout(*args):
        checkouts.append(1)

    def checkin(*args):
        checkins.append(1)

    def after_begin(session, transaction, connection):
        session_begins.append(1)
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    event.listen(Session, "after_begin", after_begin)
    try:
        for url in ("/api/v1/records/supplier", "/api/v1/records/supplier?sort=-name&limit=10"):
            assert [r["fields"]["name"] for r in ok(api.get(url))["records"]] == ["Acme"]
        assert ok(api.get(f"/api/v1/records/supplier/{rid}"))["fields"]["name"] == "Acme"
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)
        event.remove(Session, "after_begin", after_begin)
    assert (len(checkouts), len(checkins), session_begins) == (3, 3, [])


def test_a_database_restart_fails_no_request(app, api, admin_client):
    """The server drops every connection (a restart, a failover) moments after they were used, so
    they are not pinged before reuse: the first statement of the next requests meets a dead one,
    and is run again on a new connection (recordbase.db.first_read) instead of failing."""
    engine = platform(app).engine
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that drops connections is PostgreSQL's case")
    pids = set()

    def note_pid(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("SELECT pg_backend_pid()")
        pids.add(cur.fetchone()[0])
        cur.close()
        dbapi_conn.rollback()
    engine.dispose()
    event.listen(engine, "connect", note_pid)
    try:
        make_type(api, "supplier", SUPPLIER_FIELDS)
        ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Acme"}}), 201)
        assert admin_client.get("/admin/records/supplier/").status_code == 200
        killer = make_engine(engine.url.render_as_string(hide_password=False))
        with killer.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        assert [r["fields"]["name"] for r in ok(api.get("/api/v1/records/supplier"))["records"]] == ["Acme"]
        assert "Acme" in admin_client.get("/admin/records/supplier/").get_data(as_text=True)
        ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Beta"}}), 201)
    finally:
        event.remove(engine, "connect", note_pid)


def test_a_write_that_waited_too_long_for_the_lock_is_a_503_to_retry(app, api, monkeypatch):
    """SQLite's one writer busy (a long import) for longer than a write waits: a JSON 503 with
    Retry-After, nothing saved; not a 500."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from recordbase.storage import RecordStore

    make_type(api, "supplier", SUPPLIER_FIELDS)
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = sqlite3.SQLITE_BUSY

    def busy(*args, **kwargs):
        raise OperationalError("INSERT ...", {}, locked)
    monkeypatch.setattr(RecordStore, "create", busy)
    resp = api.post("/api/v1/records/supplier", json={"fields": {"name": "Acme"}})
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "5"
    assert resp.get_json()["error"]["code"] == "busy" and "try again" in resp.get_json()["error"]["message"]
    monkeypatch.undo()
    assert ok(api.get("/api/v1/records/supplier"))["records"] == []


def test_a_sqlite_get_reads_one_snapshot_from_its_token_to_its_page(app, api, database_url):
    """On SQLite a GET's read transaction (begun at the driver: recordbase.db.begin_read) holds from
    the token lookup to the last read: a record another connection commits in between is not on the
    page. (PostgreSQL reads in autocommit: each statement sees what is committed when it runs.)"""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's read requests run in autocommit")
    make_type(api, "supplier", SUPPLIER_FIELDS)
    ok(api.post("/api/v1/records/supplier", json={"fields": {"name": "Before"}}), 201)
    ok(api.get("/api/v1/records/supplier"))  # (records the token's use)
    view = app.view_functions["api.list_records"]
    with platform(app).sessions() as s:
        table = platform(app).schema_cache.get(s).get("supplier").table
    name_col = next(c for c in table.c if c.name.startswith("f_"))
    engine = make_engine(database_url)

    def committed_in_between(*args, **kwargs):
        assert g.get("_rb_conn") is not None  # (the token was read on the request's connection)
        with engine.begin() as conn:  # another writer commits after the token lookup, before the page
            now = datetime(2026, 1, 1)
            conn.execute(insert(table).values({name_col.name: "Between", "version": 1, "created_at": now,
                                               "updated_at": now}))
        return view(*args, **kwargs)
    app.view_functions["api.list_records"] = committed_in_between
    try:
        names = [r["fields"]["name"] for r in ok(api.get("/api/v1/records/supplier"))["records"]]
    finally:
        app.view_functions["api.list_records"] = view
        engine.dispose()
    assert names == ["Before"]
    assert sorted(r["fields"]["name"] for r in ok(api.get("/api/v1/records/supplier"))["records"]) \
        == ["Before", "Between"]
