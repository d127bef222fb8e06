"""Engine set-up: SQLite's BEGIN IMMEDIATE straight to the driver, PostgreSQL's ping of idle pooled connections."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from recordbase import db
from recordbase.db import make_engine

PG_URL = os.environ.get("RECORDBASE_TEST_DATABASE_URL")


def test_sqlite_transactions_take_the_write_lock_and_report_lock_errors_as_sqlalchemy_does(tmp_path):
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    first = make_engine(url)
    with first.begin() as c:
        c.execute(text("CREATE TABLE t (a INTEGER)"))
    second = make_engine(url)
    event.listen(second, "connect", lambda dbapi_conn, _rec: dbapi_conn.execute("PRAGMA busy_timeout=50"))
    try:
        with first.begin() as c:
            c.execute(text("SELECT a FROM t")).all()  # a read, yet the write lock is taken at BEGIN
            with pytest.raises(OperationalError, match="locked"):
                with second.begin() as c2:
                    c2.execute(text("SELECT 1"))
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (RECORDBASE_TEST_DATABASE_URL)")
def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(database_url, monkeypatch):
    engine = make_engine(database_url)
    pings = []
    event.listen(engine, "checkout", lambda *a: pings.append(1))
    try:
        with engine.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as c:  # given back a moment ago: used as it is, no ping
            assert c.execute(text("SELECT pg_backend_pid()")).scalar() == pid
        killer = make_engine(database_url)
        with killer.connect() as k:
            k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # as if it had been idle for a while
        with engine.connect() as c:  # the dead connection is found by the ping and replaced
            assert c.execute(text("SELECT 1")).scalar() == 1
            assert c.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        engine.dispose()
